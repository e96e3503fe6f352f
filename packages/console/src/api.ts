import type { ProblemDetails } from '@meridian/contracts';
import { loadSession } from './session.ts';

/** A failed call: the status and the problem+json body when the gateway sent one (status 0: no answer). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Partial<ProblemDetails> | undefined;

  constructor(options: { status: number; message: string; problem?: Partial<ProblemDetails> }) {
    super(options.message);
    this.name = 'ApiError';
    this.status = options.status;
    this.problem = options.problem;
  }
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

interface ApiDeps {
  fetch: typeof fetch;
  token: () => string | undefined;
  onUnauthorized: () => void;
}

const deps: ApiDeps = {
  fetch: (input, init) => globalThis.fetch(input, init),
  token: () => loadSession()?.token,
  onUnauthorized: () => {},
};

/** Replaces how calls are made: the app shell sets onUnauthorized, tests a fake fetch and token. */
export function configureApi(overrides: Partial<ApiDeps>): void {
  Object.assign(deps, overrides);
}

/** One line a person can read: the problem's title and detail, then each field error. */
export function problemMessage(status: number, problem: Partial<ProblemDetails> | undefined): string {
  if (!problem?.title && !problem?.detail) return `The gateway answered ${status}.`;
  const head = [problem.title, problem.detail].filter(Boolean).join(': ');
  const fields = (problem.errors ?? []).map((e) => `${e.path}: ${e.message}`);
  return [`${head} (${status})`, ...fields].join('; ');
}

async function errorFrom(res: Response): Promise<ApiError> {
  const type = res.headers.get('content-type') ?? '';
  let problem: Partial<ProblemDetails> | undefined;
  if (type.includes('json')) {
    try {
      problem = (await res.json()) as Partial<ProblemDetails>;
    } catch {
      problem = undefined;
    }
  }
  return new ApiError({
    status: res.status,
    message: problemMessage(res.status, problem),
    ...(problem ? { problem } : {}),
  });
}

export function withQuery(path: string, query: ApiOptions['query']): string {
  const entries = Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length ? `${path}?${new URLSearchParams(entries)}` : path;
}

/**
 * Calls a gateway route with the signed-in token. Any 401 ends the session (onUnauthorized);
 * every other failure throws an ApiError whose message says what went wrong.
 */
export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = deps.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await deps.fetch(withQuery(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      cache: 'no-store',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError({ status: 0, message: `The gateway could not be reached (${(err as Error).message}).` });
  }
  if (res.status === 401) {
    const error = await errorFrom(res);
    deps.onUnauthorized();
    throw error;
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
