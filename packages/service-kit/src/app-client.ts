import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import { ProblemDetails } from '@meridian/contracts';
import type { DaprClient, SidecarResponse } from './dapr-client.ts';
import { AppError, fieldErrors, type ErrorCode, type FieldError } from './errors.ts';

/** What calling another app needs of the sidecar client (a fake in tests). */
export type InvokePort = Pick<DaprClient, 'invoke'>;

export interface AppCall {
  appId: string;
  /** The callee's path, e.g. `v1/registry/models` (no leading slash needed). */
  method: string;
  /** GET unless a body is sent (then POST). */
  httpMethod?: string;
  body?: unknown;
  /** Added to the path as a query string; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  timeoutMs?: number;
  /** What the call is for, in error messages (default: `<method> <appId>/<path>`). */
  what?: string;
}

/** A callee's detail in our error messages is cut here: enough to act on, never a whole page. */
export const CALLEE_DETAIL_CAP = 300;

/**
 * Calls another app through Dapr service invocation and answers its JSON,
 * validated with `schema` when given: an answer that fails it is our bug,
 * a 502 naming the app and the field. A failure is an AppError whose code
 * follows the callee's status (see calleeFailure).
 */
export async function callApp<S extends z.ZodType = z.ZodUnknown>(
  dapr: InvokePort,
  call: AppCall & { schema?: S },
): Promise<z.output<S>> {
  const res = await send(dapr, call);
  const body = res.body.length ? parseJson(res, call) : undefined;
  if (!call.schema) return body as z.output<S>;
  const parsed = call.schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = fieldErrors(parsed.error.issues).slice(0, 20);
  throw new AppError({
    code: 'BAD_GATEWAY',
    message: `${callName(call)}: ${call.appId} answered with an unexpected body (${errors
      .slice(0, 3)
      .map((e) => `${e.path}: ${e.message}`)
      .join('; ')})`,
    errors,
  });
}

/** callApp for an answer of raw bytes (an artifact download): the body and the headers that describe it. */
export async function callAppBytes(
  dapr: InvokePort,
  call: AppCall,
): Promise<{ body: Buffer; headers: IncomingHttpHeaders }> {
  const res = await send(dapr, call);
  return { body: res.body, headers: res.headers };
}

/** The answer, or undefined when the callee refused with one of `codes` (by default: it does not know the thing). */
export async function unlessRefused<T>(
  call: Promise<T>,
  codes: readonly ErrorCode[] = ['NOT_FOUND'],
): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof AppError && codes.includes(err.code)) return undefined;
    throw err;
  }
}

const callName = (call: AppCall) =>
  call.what ??
  `${call.httpMethod ?? (call.body === undefined ? 'GET' : 'POST')} ${call.appId}/${call.method.replace(/^\//, '')}`;

async function send(dapr: InvokePort, call: AppCall): Promise<SidecarResponse> {
  const query = Object.entries(call.query ?? {}).filter(
    (e): e is [string, string | number | boolean] => e[1] !== undefined,
  );
  const method = query.length
    ? `${call.method}?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)]))}`
    : call.method;
  let res: SidecarResponse;
  try {
    res = await dapr.invoke({
      appId: call.appId,
      method,
      ...(call.httpMethod ? { httpMethod: call.httpMethod } : {}),
      ...(call.body !== undefined ? { body: call.body } : {}),
      ...(call.timeoutMs ? { timeoutMs: call.timeoutMs } : {}),
    });
  } catch (err) {
    if (err instanceof AppError)
      throw new AppError({ code: err.code, message: `${callName(call)}: ${err.message}`, cause: err.cause ?? err });
    throw new AppError({
      code: 'UNAVAILABLE',
      message: `${callName(call)}: the sidecar did not answer (${(err as Error).message})`,
      cause: err,
    });
  }
  if (!res.ok) throw calleeFailure({ res, what: callName(call), appId: call.appId });
  return res;
}

function parseJson(res: SidecarResponse, call: AppCall): unknown {
  try {
    return res.json();
  } catch (cause) {
    throw new AppError({
      code: 'BAD_GATEWAY',
      message: `${callName(call)}: ${call.appId} answered ${res.status} with a body that is not JSON`,
      cause,
    });
  }
}

const cap = (text: string) => (text.length > CALLEE_DETAIL_CAP ? `${text.slice(0, CALLEE_DETAIL_CAP)}…` : text);

/** What a failed answer says about itself: a problem's detail and field errors, or Dapr's own error code and message. */
function calleeDetail(res: SidecarResponse): { detail?: string; errors?: FieldError[]; fromDapr: boolean } {
  if (!/json/i.test(String(res.headers['content-type'] ?? ''))) return { fromDapr: false };
  let body: unknown;
  try {
    body = res.json();
  } catch {
    return { fromDapr: false };
  }
  const problem = ProblemDetails.safeParse(body);
  if (problem.success)
    return {
      fromDapr: false,
      detail: cap(problem.data.detail ?? problem.data.title),
      ...(problem.data.errors ? { errors: problem.data.errors.slice(0, 50) } : {}),
    };
  const dapr = body as { errorCode?: unknown; message?: unknown };
  if (typeof dapr?.errorCode === 'string')
    return {
      fromDapr: true,
      detail: cap(`${dapr.errorCode}${typeof dapr.message === 'string' ? `: ${dapr.message}` : ''}`),
    };
  return { fromDapr: false };
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'TOO_MANY_REQUESTS',
  503: 'UNAVAILABLE',
};

/**
 * The one mapping from a callee's failed answer to our AppError: 400, 404,
 * 409, 429 and 503 keep their meaning (a 400 keeps the callee's field
 * errors; 429 and 503 keep its retry-after); Dapr's own 5xx (the app is
 * unreachable) is UNAVAILABLE; anything else is BAD_GATEWAY. The message
 * carries the callee's detail, never its raw body, cut at CALLEE_DETAIL_CAP.
 */
export function calleeFailure(o: { res: SidecarResponse; what: string; appId: string }): AppError {
  const { res } = o;
  const { detail, errors, fromDapr } = calleeDetail(res);
  const code: ErrorCode = STATUS_CODES[res.status] ?? (fromDapr && res.status >= 500 ? 'UNAVAILABLE' : 'BAD_GATEWAY');
  const retryAfter = res.headers['retry-after'];
  const keepsRetryAfter = (code === 'TOO_MANY_REQUESTS' || code === 'UNAVAILABLE') && typeof retryAfter === 'string';
  return new AppError({
    code,
    message: `${o.what}: ${o.appId} answered ${res.status}${detail ? `: ${detail}` : ''}`,
    ...(code === 'BAD_REQUEST' && errors ? { errors } : {}),
    ...(keepsRetryAfter ? { headers: { 'retry-after': retryAfter } } : {}),
  });
}
