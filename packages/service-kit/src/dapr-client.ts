import { AppError } from './errors.ts';
import { traceHeaders } from './telemetry.ts';

export interface InvokeOptions {
  appId: string;
  method: string;
  httpMethod?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface StateItem<T = unknown> {
  key: string;
  value: T;
  etag?: string;
  metadata?: Record<string, string>;
}

export type StateOperation =
  | { operation: 'upsert'; request: StateItem & { options?: { concurrency?: 'first-write' | 'last-write' } } }
  | { operation: 'delete'; request: { key: string; etag?: string } };

/**
 * A thin client for the sidecar's HTTP API. It is the only way apps talk to
 * Dapr, so trace propagation and error mapping live in one place.
 */
export class DaprClient {
  private readonly base: string;
  constructor(readonly opts: { httpPort: number; host?: string }) {
    this.base = `http://${opts.host ?? '127.0.0.1'}:${opts.httpPort}`;
  }

  private async call(path: string, init: RequestInit & { what: string }): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, {
        ...init,
        headers: { ...traceHeaders(), ...(init.headers as Record<string, string> | undefined) },
      });
    } catch (cause) {
      throw new AppError({ code: 'UNAVAILABLE', message: `Dapr sidecar unreachable during ${init.what}`, cause });
    }
  }

  private static async failure(res: Response, what: string): Promise<AppError> {
    const text = await res.text().catch(() => '');
    return new AppError({ code: res.status === 404 ? 'NOT_FOUND' : 'BAD_GATEWAY', message: `${what} failed (${res.status}): ${text.slice(0, 300)}` });
  }

  /** Service invocation; the raw response is returned so callers can relay status and body. */
  async invoke(o: InvokeOptions): Promise<Response> {
    const hasBody = o.body !== undefined;
    return this.call(`/v1.0/invoke/${encodeURIComponent(o.appId)}/method/${o.method.replace(/^\//, '')}`, {
      what: `invoke ${o.appId}`,
      method: o.httpMethod ?? (hasBody ? 'POST' : 'GET'),
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...o.headers },
      ...(hasBody ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  }

  async publish(o: { pubsub: string; topic: string; data: unknown }): Promise<void> {
    const res = await this.call(`/v1.0/publish/${o.pubsub}/${encodeURIComponent(o.topic)}`, {
      what: `publish ${o.topic}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(o.data),
    });
    if (!res.ok) throw await DaprClient.failure(res, `publish to ${o.pubsub}/${o.topic}`);
  }

  async getState<T>(o: { store: string; key: string }): Promise<{ value: T | undefined; etag: string | undefined }> {
    const res = await this.call(`/v1.0/state/${o.store}/${encodeURIComponent(o.key)}`, { what: 'get state', method: 'GET' });
    if (res.status === 204) return { value: undefined, etag: undefined };
    if (!res.ok) throw await DaprClient.failure(res, `get state ${o.key}`);
    return { value: (await res.json()) as T, etag: res.headers.get('etag') ?? undefined };
  }

  async saveState(o: { store: string; items: StateItem[] }): Promise<void> {
    const res = await this.call(`/v1.0/state/${o.store}`, {
      what: 'save state',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(o.items),
    });
    if (!res.ok) throw await DaprClient.failure(res, 'save state');
  }

  /** Runs operations atomically; answers false when an etag no longer matches. */
  async transact(o: { store: string; operations: StateOperation[] }): Promise<boolean> {
    const res = await this.call(`/v1.0/state/${o.store}/transaction`, {
      what: 'state transaction',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operations: o.operations }),
    });
    if (res.ok) return true;
    const text = await res.text();
    // Stores word an ETag conflict differently (Redis: "failed to set key").
    if (res.status === 409 || /etag|mismatch|conflict|failed to set key/i.test(text)) return false;
    throw new AppError({ code: 'BAD_GATEWAY', message: `state transaction failed (${res.status}): ${text.slice(0, 300)}` });
  }

  async getSecret(o: { store: string; name: string }): Promise<Record<string, string>> {
    const res = await this.call(`/v1.0/secrets/${o.store}/${encodeURIComponent(o.name)}`, { what: 'get secret', method: 'GET' });
    if (!res.ok) throw await DaprClient.failure(res, `get secret ${o.name}`);
    return (await res.json()) as Record<string, string>;
  }

  /** True once the sidecar reports itself healthy (components loaded, app channel ready). */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.base}/v1.0/healthz`, { signal: AbortSignal.timeout(2000) });
      return res.status === 204 || res.ok;
    } catch {
      return false;
    }
  }
}
