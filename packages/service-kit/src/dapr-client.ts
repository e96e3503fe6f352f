import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { canonicalJson } from './canonical-json.ts';
import { AppError } from './errors.ts';
import { appMetrics, type MetricsRegistry } from './metrics/registry.ts';
import { recordPublished, recordSidecarCall, type SidecarCall } from './metrics/sidecar.ts';
import { traceHeaders } from './telemetry.ts';

/** The header daprd checks on its API (DAPR_API_TOKEN) and sends to its app (APP_API_TOKEN). */
export const API_TOKEN_HEADER = 'dapr-api-token';

export interface InvokeOptions {
  appId: string;
  method: string;
  httpMethod?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface StateItem<T = unknown> {
  key: string;
  value: T;
  etag?: string;
  metadata?: Record<string, string>;
  options?: { concurrency?: 'first-write' | 'last-write' };
}

export type StateOperation =
  | { operation: 'upsert'; request: StateItem & { options?: { concurrency?: 'first-write' | 'last-write' } } }
  | { operation: 'delete'; request: { key: string; etag?: string } };

/** A buffered sidecar answer. */
export interface SidecarResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  ok: boolean;
  text(): string;
  json<T>(): T;
}

/** An answer as the client gives it: from the wire, or one part of a batch's answer. */
export function sidecarResponse(o: { status: number; headers: IncomingHttpHeaders; body: Buffer }): SidecarResponse {
  const { status, body } = o;
  return {
    status,
    headers: o.headers,
    body,
    ok: status >= 200 && status < 300,
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

interface SendOptions {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  what: string;
  timeoutMs?: number;
}

/**
 * A thin client for the sidecar's HTTP API, on node:http with one
 * keep-alive pool (Node's fetch costs about a millisecond more per call,
 * which shows on every hop). It is the only way apps talk to Dapr, so trace
 * propagation and error mapping live in one place.
 */
export class DaprClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 });
  private readonly host: string;

  /**
   * The sidecar requires its API token (`dapr-api-token`) on every call but its health checks.
   * `timeoutMs` is a deadline for every call that sets none (none by default): an app that must
   * answer 503 rather than wait on a stalled broker or store sets it. State, invoke and publish
   * calls are timed into `metrics`, or else into the app's registry once runService has set it.
   */
  constructor(
    readonly opts: { httpPort: number; apiToken: string; host?: string; timeoutMs?: number; metrics?: MetricsRegistry },
  ) {
    this.host = opts.host ?? '127.0.0.1';
  }

  /** The client of this app's own sidecar, as its environment describes it. */
  static fromEnv(env: { DAPR_HTTP_PORT: number; DAPR_API_TOKEN: string }): DaprClient {
    return new DaprClient({ httpPort: env.DAPR_HTTP_PORT, apiToken: env.DAPR_API_TOKEN });
  }

  private get metrics(): MetricsRegistry | undefined {
    return this.opts.metrics ?? appMetrics();
  }

  /** One sidecar call, timed into its metric when it has one (failures too: a slow failure is still slow). */
  private async send(o: SendOptions & { metric?: SidecarCall }): Promise<SidecarResponse> {
    const registry = o.metric && this.metrics;
    if (!registry || !o.metric) return this.exchange(o);
    const start = performance.now();
    let status: number | undefined;
    try {
      const res = await this.exchange(o);
      status = res.status;
      return res;
    } finally {
      recordSidecarCall(registry, { call: o.metric, seconds: (performance.now() - start) / 1000, status });
    }
  }

  private exchange(o: SendOptions): Promise<SidecarResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {
        ...traceHeaders(),
        ...o.headers,
        [API_TOKEN_HEADER]: this.opts.apiToken,
      };
      if (o.body !== undefined) headers['content-length'] = Buffer.byteLength(o.body);
      const req = request(
        { host: this.host, port: this.opts.httpPort, method: o.method, path: o.path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve(
              sidecarResponse({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
            ),
          );
          res.on('error', reject);
        },
      );
      const timeoutMs = o.timeoutMs ?? this.opts.timeoutMs;
      if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on('error', (cause) =>
        reject(new AppError({ code: 'UNAVAILABLE', message: `Dapr sidecar unreachable during ${o.what}`, cause })),
      );
      req.end(o.body);
    });
  }

  private static failure(res: SidecarResponse, what: string): AppError {
    return new AppError({
      code: res.status === 404 ? 'NOT_FOUND' : 'BAD_GATEWAY',
      message: `${what} failed (${res.status}): ${res.text().slice(0, 300)}`,
    });
  }

  /** Stores word an ETag conflict differently (Redis: "failed to set key"; Postgres: "no item was updated"). */
  private static isConflict(res: SidecarResponse): boolean {
    return res.status === 409 || /etag|mismatch|conflict|failed to set key|no item was updated/i.test(res.text());
  }

  private static json(value: unknown): { body: string; headers: Record<string, string> } {
    return {
      body: typeof value === 'string' ? value : JSON.stringify(value),
      headers: { 'content-type': 'application/json' },
    };
  }

  /** A sidecar API call this client has no method for (actors, conversation): JSON in, the raw answer out. */
  call(o: {
    method: string;
    path: string;
    body?: unknown;
    what: string;
    timeoutMs?: number;
  }): Promise<SidecarResponse> {
    return this.send({
      what: o.what,
      method: o.method,
      path: o.path,
      ...(o.body === undefined ? {} : DaprClient.json(o.body)),
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    });
  }

  /** Service invocation; the raw answer is returned so callers can relay status and body. */
  invoke(o: InvokeOptions): Promise<SidecarResponse> {
    const payload = o.body === undefined ? undefined : DaprClient.json(o.body);
    return this.send({
      what: `invoke ${o.appId}`,
      metric: { kind: 'invoke', appId: o.appId },
      method: o.httpMethod ?? (payload ? 'POST' : 'GET'),
      path: `/v1.0/invoke/${encodeURIComponent(o.appId)}/method/${o.method.replace(/^\//, '')}`,
      headers: { ...payload?.headers, ...o.headers },
      ...(payload ? { body: payload.body } : {}),
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    });
  }

  async publish(o: { pubsub: string; topic: string; data: unknown; metadata?: Record<string, string> }): Promise<void> {
    const query = o.metadata
      ? `?${Object.entries(o.metadata)
          .map(([k, v]) => `metadata.${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
          .join('&')}`
      : '';
    const res = await this.send({
      what: `publish ${o.topic}`,
      metric: { kind: 'publish', topic: o.topic },
      method: 'POST',
      path: `/v1.0/publish/${o.pubsub}/${encodeURIComponent(o.topic)}${query}`,
      ...DaprClient.json(o.data),
    });
    if (!res.ok) throw DaprClient.failure(res, `publish to ${o.pubsub}/${o.topic}`);
    this.published(o.topic, 1);
  }

  async getState<T>(o: { store: string; key: string }): Promise<{ value: T | undefined; etag: string | undefined }> {
    const res = await this.send({
      what: 'get state',
      metric: { kind: 'state', store: o.store, operation: 'get' },
      method: 'GET',
      path: `/v1.0/state/${o.store}/${encodeURIComponent(o.key)}`,
    });
    if (res.status === 204) return { value: undefined, etag: undefined };
    if (!res.ok) throw DaprClient.failure(res, `get state ${o.key}`);
    const etag = res.headers.etag;
    return { value: res.json<T>(), etag: typeof etag === 'string' ? etag : undefined };
  }

  /**
   * Writes every item in one state transaction, last write wins: one commit
   * instead of one per key (on SQLite a 200-key save is ~200 commits, ~1 s
   * here; as a transaction ~20 ms). For writers of many independent keys.
   */
  async commitState(o: { store: string; items: StateItem[] }): Promise<void> {
    if (!o.items.length) return;
    if (o.items.length === 1) return this.saveState(o);
    await this.transact({ store: o.store, operations: o.items.map((request) => ({ operation: 'upsert', request })) });
  }

  async saveState(o: { store: string; items: StateItem[] }): Promise<void> {
    const res = await this.send({
      what: 'save state',
      metric: { kind: 'state', store: o.store, operation: 'save' },
      method: 'POST',
      path: `/v1.0/state/${o.store}`,
      ...DaprClient.json(o.items),
    });
    if (!res.ok) throw DaprClient.failure(res, 'save state');
  }

  async deleteState(o: { store: string; key: string }): Promise<void> {
    const res = await this.send({
      what: 'delete state',
      metric: { kind: 'state', store: o.store, operation: 'delete' },
      method: 'DELETE',
      path: `/v1.0/state/${o.store}/${encodeURIComponent(o.key)}`,
    });
    if (!res.ok) throw DaprClient.failure(res, `delete state ${o.key}`);
  }

  /**
   * Writes one key only if it is unchanged since it was read (its etag), or
   * absent when no etag is given; answers false when another writer got
   * there first. Uses the plain save API: unlike multi-key transactions,
   * first-write is honoured by every store (Dapr's Redis store ignores it
   * inside transactions and does not roll them back).
   */
  async saveIfUnchanged(o: {
    store: string;
    key: string;
    value: unknown;
    etag?: string | undefined;
    metadata?: Record<string, string>;
  }): Promise<boolean> {
    const item = {
      key: o.key,
      value: o.value,
      ...(o.etag ? { etag: o.etag } : {}),
      ...(o.metadata ? { metadata: o.metadata } : {}),
      options: { concurrency: 'first-write' },
    };
    const res = await this.send({
      what: 'save state',
      metric: { kind: 'state', store: o.store, operation: 'save' },
      method: 'POST',
      path: `/v1.0/state/${o.store}`,
      ...DaprClient.json([item]),
    });
    if (res.ok) return true;
    if (DaprClient.isConflict(res)) return false;
    throw DaprClient.failure(res, `save state ${o.key}`);
  }

  /**
   * saveIfUnchanged for many keys in one call; answers the keys whose write
   * did not land. One key is saveIfUnchanged itself: a conflict is its own.
   * For several, a store may fail the call as a whole for one conflict, so
   * then each key is read back: it landed if the store holds exactly the value
   * written. Two writers that write the very same value to a key cannot be
   * told apart that way, so a value another writer could also write from the
   * same state (a counter bumped by the same amount) must go one key per call,
   * or carry something of its writer's own.
   */
  async saveManyIfUnchanged(o: {
    store: string;
    items: { key: string; value: unknown; etag?: string | undefined; metadata?: Record<string, string> }[];
  }): Promise<Set<string>> {
    if (!o.items.length) return new Set();
    if (o.items.length === 1) {
      const [item] = o.items as [(typeof o.items)[number]];
      return (await this.saveIfUnchanged({ store: o.store, ...item })) ? new Set() : new Set([item.key]);
    }
    const items = o.items.map((i) => ({
      key: i.key,
      value: i.value,
      ...(i.etag ? { etag: i.etag } : {}),
      ...(i.metadata ? { metadata: i.metadata } : {}),
      options: { concurrency: 'first-write' },
    }));
    const res = await this.send({
      what: 'save state',
      metric: { kind: 'state', store: o.store, operation: 'save' },
      method: 'POST',
      path: `/v1.0/state/${o.store}`,
      ...DaprClient.json(items),
    });
    if (res.ok) return new Set();
    if (!DaprClient.isConflict(res)) throw DaprClient.failure(res, `save state (${items.length} keys)`);
    const stored = await this.getBulkState<unknown>({ store: o.store, keys: o.items.map((i) => i.key) });
    const now = new Map(stored.map((s) => [s.key, canonicalJson(s.value)]));
    return new Set(o.items.filter((i) => now.get(i.key) !== canonicalJson(i.value)).map((i) => i.key));
  }

  async getBulkState<T>(o: {
    store: string;
    keys: string[];
  }): Promise<{ key: string; value: T | undefined; etag: string | undefined }[]> {
    const res = await this.send({
      what: 'get bulk state',
      metric: { kind: 'state', store: o.store, operation: 'bulk_get' },
      method: 'POST',
      path: `/v1.0/state/${o.store}/bulk`,
      ...DaprClient.json({ keys: o.keys }),
    });
    if (!res.ok) throw DaprClient.failure(res, 'get bulk state');
    return res
      .json<{ key: string; data?: T; etag?: string }[]>()
      .map((r) => ({ key: r.key, value: r.data, etag: r.etag }));
  }

  /**
   * getBulkState for readers that must not take a key the store failed to
   * read for an absent one (an idempotency check would publish again): an
   * item's error fails the call. `parallelism` bounds daprd's reads on
   * stores without a native bulk get.
   */
  async getBulkStateStrict<T>(o: {
    store: string;
    keys: string[];
    parallelism?: number;
  }): Promise<{ key: string; value: T | undefined; etag: string | undefined }[]> {
    const body = { keys: o.keys, ...(o.parallelism ? { parallelism: o.parallelism } : {}) };
    const res = await this.send({
      what: 'get bulk state',
      metric: { kind: 'state', store: o.store, operation: 'bulk_get' },
      method: 'POST',
      path: `/v1.0/state/${encodeURIComponent(o.store)}/bulk`,
      ...DaprClient.json(body),
    });
    if (!res.ok) throw DaprClient.failure(res, 'get bulk state');
    const items = res.json<{ key: string; data?: T | null; etag?: string; error?: string }[]>();
    const failed = items.find((i) => i.error);
    if (failed)
      throw new AppError({ code: 'BAD_GATEWAY', message: `get bulk state failed for ${failed.key}: ${failed.error}` });
    return items.map((r) => ({ key: r.key, value: r.data ?? undefined, etag: r.etag }));
  }

  /**
   * Publishes many events in one call (Dapr's alpha bulk publish API);
   * answers the entry ids that were not published. A refusal that does not
   * list its failed entries throws: then none is known to be published.
   */
  async publishBulk(o: {
    pubsub: string;
    topic: string;
    /**
     * `event`, or `eventJson`: the event's JSON text, sent as it is (serialised once by a caller
     * that needed its size). `metadata` goes to the broker with that entry (e.g. `partitionKey`).
     */
    entries: ({ entryId: string; contentType?: string; metadata?: Record<string, string> } & (
      | { event: unknown }
      | { eventJson: string }
    ))[];
  }): Promise<Set<string>> {
    const body = `[${o.entries
      .map((e) => {
        const head = JSON.stringify({
          entryId: e.entryId,
          contentType: e.contentType ?? 'application/json',
          ...(e.metadata ? { metadata: e.metadata } : {}),
        });
        return `${head.slice(0, -1)},"event":${'eventJson' in e ? e.eventJson : (JSON.stringify(e.event) ?? 'null')}}`;
      })
      .join(',')}]`;
    const res = await this.send({
      what: `bulk publish ${o.topic}`,
      metric: { kind: 'publish', topic: o.topic },
      method: 'POST',
      path: `/v1.0-alpha1/publish/bulk/${encodeURIComponent(o.pubsub)}/${encodeURIComponent(o.topic)}`,
      ...DaprClient.json(body),
    });
    const failed = res.ok ? new Set<string>() : DaprClient.failedEntries(res);
    if (!failed) throw DaprClient.failure(res, `bulk publish to ${o.pubsub}/${o.topic}`);
    this.published(o.topic, o.entries.length - failed.size);
    return failed;
  }

  private published(topic: string, count: number): void {
    const registry = this.metrics;
    if (registry) recordPublished(registry, { topic, count });
  }

  /** The entry ids a bulk publish answer lists as failed, or undefined when it does not say. */
  private static failedEntries(res: SidecarResponse): Set<string> | undefined {
    try {
      const body = res.json<{ failedEntries?: { entryId?: unknown }[] }>();
      if (!Array.isArray(body.failedEntries) || !body.failedEntries.length) return undefined;
      return new Set(body.failedEntries.flatMap((f) => (typeof f.entryId === 'string' ? [f.entryId] : [])));
    } catch {
      return undefined;
    }
  }

  /** The components the sidecar loaded (name and type, e.g. `state.redis`), from its metadata API. */
  async components(): Promise<{ name: string; type: string }[]> {
    const res = await this.send({ what: 'read metadata', method: 'GET', path: '/v1.0/metadata' });
    if (!res.ok) throw DaprClient.failure(res, 'read metadata');
    return res.json<{ components?: { name: string; type: string }[] }>().components ?? [];
  }

  /** Runs operations atomically; answers false when an etag no longer matches. */
  async transact(o: { store: string; operations: StateOperation[] }): Promise<boolean> {
    const res = await this.send({
      what: 'state transaction',
      metric: { kind: 'state', store: o.store, operation: 'transaction' },
      method: 'POST',
      path: `/v1.0/state/${o.store}/transaction`,
      ...DaprClient.json({ operations: o.operations }),
    });
    if (res.ok) return true;
    if (DaprClient.isConflict(res)) return false;
    throw new AppError({
      code: 'BAD_GATEWAY',
      message: `state transaction failed (${res.status}): ${res.text().slice(0, 300)}`,
    });
  }

  /** Whether a failed binding answer means "no such object or folder" (bindings word it differently). */
  static bindingObjectMissing(res: SidecarResponse): boolean {
    return /not found|no such file|does not exist/i.test(res.text());
  }

  /** An output binding operation; the raw answer is returned (see bindingObjectMissing). */
  invokeBinding(o: {
    name: string;
    operation: string;
    data?: unknown;
    metadata?: Record<string, string>;
  }): Promise<SidecarResponse> {
    return this.send({
      what: `binding ${o.name} ${o.operation}`,
      method: 'POST',
      path: `/v1.0/bindings/${encodeURIComponent(o.name)}`,
      ...DaprClient.json({
        operation: o.operation,
        ...(o.data !== undefined ? { data: o.data } : {}),
        metadata: o.metadata ?? {},
      }),
    });
  }

  async getSecret(o: { store: string; name: string }): Promise<Record<string, string>> {
    const res = await this.send({
      what: 'get secret',
      method: 'GET',
      path: `/v1.0/secrets/${o.store}/${encodeURIComponent(o.name)}`,
    });
    if (!res.ok) throw DaprClient.failure(res, `get secret ${o.name}`);
    return res.json<Record<string, string>>();
  }

  /** Creates or replaces a Dapr Jobs API job; the sidecar calls POST /job/<name> on the app when it is due. */
  async scheduleJob(o: { name: string; schedule: string; data?: unknown }): Promise<void> {
    const res = await this.send({
      what: 'schedule job',
      method: 'POST',
      path: `/v1.0-alpha1/jobs/${encodeURIComponent(o.name)}`,
      ...DaprClient.json({ schedule: o.schedule, data: o.data ?? {}, overwrite: true }),
    });
    if (!res.ok) throw DaprClient.failure(res, `schedule job ${o.name}`);
  }

  /** True once the sidecar reports itself healthy (components loaded, app channel ready). */
  async healthy(): Promise<boolean> {
    try {
      const res = await this.send({ what: 'health check', method: 'GET', path: '/v1.0/healthz', timeoutMs: 2000 });
      return res.status === 204 || res.ok;
    } catch {
      return false;
    }
  }
}
