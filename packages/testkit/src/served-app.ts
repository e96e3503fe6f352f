import { afterEach } from 'vitest';
import { serveInProcess } from './serve-in-process.ts';

/** The header service-kit's requireAppToken reads (its API_TOKEN_HEADER): Dapr sends the app token in it. */
const APP_TOKEN_HEADER = 'dapr-api-token';

/** An answer of `call`: the body parsed as JSON when the answer says it is JSON, as text otherwise. */
export interface CallAnswer {
  status: number;
  type: string | null;
  headers: Headers;
  body: any;
}

export interface ServedApp {
  base: string;
  port: number;
  /** Sends `body` (if any) as JSON, with the app's headers; answers the raw Response. */
  send(method: string, path: string, body?: unknown): Promise<Response>;
  /** As `send`, with the answer read. */
  call(method: string, path: string, body?: unknown): Promise<CallAnswer>;
  close(): Promise<void>;
}

/** The env of an app's in-process tests: its two tokens named after it, and silent logs. */
export function inProcessEnv(o: { app: string }): Record<string, string> {
  return { DAPR_API_TOKEN: `dapr-token-of-${o.app}`, APP_API_TOKEN: `app-token-of-${o.app}`, LOG_LEVEL: 'silent' };
}

/**
 * Serves an in-process app (createServiceApp's answer) on a free loopback port, with a client that sends
 * what each request needs: `token` goes in the Dapr app-token header, `headers` on every request (e.g. an
 * Authorization header at the public edge).
 */
export async function servedApp(o: {
  app: Parameters<typeof serveInProcess>[0];
  token?: string;
  headers?: Record<string, string>;
}): Promise<ServedApp> {
  const served = await serveInProcess(o.app);
  const always = { ...(o.token === undefined ? {} : { [APP_TOKEN_HEADER]: o.token }), ...o.headers };
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${served.base}${path}`, {
      method,
      headers: { ...always, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const call = async (method: string, path: string, body?: unknown): Promise<CallAnswer> => {
    const res = await send(method, path, body);
    const type = res.headers.get('content-type');
    const text = await res.text();
    const json = /[/+]json\b/.test(type ?? '') && text !== '';
    return { status: res.status, type, headers: res.headers, body: json ? JSON.parse(text) : text };
  };
  return { base: served.base, port: served.port, send, call, close: served.close };
}

/**
 * For tests that serve an app per test: call at the top of the file; what the answer is given is closed
 * after each test, so no server outlives the test that opened it.
 */
export function closeAfterEach(): <T extends { close(): Promise<void> }>(opened: T) => T {
  const open: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((close) => close()));
  });
  return (opened) => {
    open.push(() => opened.close());
    return opened;
  };
}
