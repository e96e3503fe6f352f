import type { Request } from 'express';
import {
  INFER_BATCH_PATH,
  InferBatchItem,
  InferBatchResponse,
  MAX_INFER_BATCH_BYTES,
  MAX_INFER_BATCH_ITEM_BYTES,
  MAX_INFER_BATCH_REQUESTS,
} from '@meridian/contracts';
import {
  addCoalescerCounts,
  AppError,
  Coalescer,
  inTraceContext,
  requestLogger,
  sidecarResponse,
  traceHeaders,
  type DaprClient,
  type SidecarResponse,
  type TraceContext,
} from '@meridian/service-kit';

/** One forwarded infer request: where it goes, its body as sent (JSON), the headers and trace it goes with. */
export interface InferCall {
  target: string;
  model: string;
  version?: string;
  json: string;
  /** The JSON's size in bytes. */
  bytes: number;
  headers: Record<string, string>;
  traced: TraceContext;
  /** True once the client has gone: a call still waiting is then dropped, not sent. */
  gone?(): boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
/** After the app refused the batch path (an older inference, an ACL not yet updated), requests go alone this long. */
const ALONE_AFTER_REFUSAL_MS = 30_000;

/** Dapr's own failures (unreachable app, refused by an ACL) carry an errorCode; our apps' problems do not. */
export const fromDapr = (upstream: SidecarResponse) =>
  upstream.headers['content-type']?.includes('application/json') && upstream.text().includes('"errorCode"');

/** An answer of the batch as the answer the request would have had alone. */
function answerOf(a: InferBatchResponse['responses'][number]): SidecarResponse {
  return sidecarResponse({
    status: a.status,
    headers: { ...a.headers, 'content-type': a.status >= 400 ? PROBLEM_TYPE : JSON_TYPE },
    body: Buffer.from(JSON.stringify(a.body)),
  });
}

/**
 * The request's body as it would be sent, when it may travel in a batch: a JSON object whose JSON is at most
 * MAX_INFER_BATCH_ITEM_BYTES (measured on what is sent, whatever the request's encoding) and that wants its
 * outputs in JSON (binary outputs come back as bytes, which only a request sent alone carries); else undefined.
 */
export function batchableJson(req: Request): { json: string; bytes: number } | undefined {
  const body = req.body as { parameters?: Record<string, unknown>; outputs?: { parameters?: unknown }[] } | undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  if (req.headers.accept === 'text/event-stream') return undefined;
  if (body.parameters?.binary_data_output !== undefined) return undefined;
  if (
    (body.outputs ?? []).some((o) => (o?.parameters as Record<string, unknown> | undefined)?.binary_data !== undefined)
  )
    return undefined;
  const json = JSON.stringify(body);
  const bytes = Buffer.byteLength(json);
  return bytes <= MAX_INFER_BATCH_ITEM_BYTES ? { json, bytes } : undefined;
}

/** The batch's body, built from each request's JSON as it is (serialised once, in batchableJson). */
function envelope(calls: InferCall[]): string {
  const items = calls.map((c) => {
    const meta = JSON.stringify({
      model: c.model,
      ...(c.version === undefined ? {} : { version: c.version }),
      headers: c.headers,
      ...inTraceContext(c.traced, traceHeaders),
    });
    return `${meta.slice(0, -1)},"body":${c.json}}`;
  });
  return `{"requests":[${items.join(',')}]}`;
}

/** What a request adds to a batch besides its body: model, version, headers, trace context (under 2 KiB). */
const itemBytes = (c: InferCall) => c.bytes + 2048;
/** Requests whose headers a batch cannot carry (a subject longer than it allows) go alone. */
const fitsBatch = (c: InferCall) => InferBatchItem.shape.headers.safeParse(c.headers).success;

const settled = (responses: SidecarResponse[]): PromiseSettledResult<SidecarResponse>[] =>
  responses.map((value) => ({ status: 'fulfilled', value }));

/**
 * Infer requests to `appId` (inference) that travel together under load (service-kit's Coalescer), one coalescer per
 * model, so that a slow model never holds another's answers: alone while fewer than `maxInFlight` calls of the
 * model are out, else in one POST /v1/infer-batch with the others that waited. Each request gets the answer it
 * would have had alone. A batch that fails as a whole (the app unreachable, its sidecar's timeout) is each
 * request's failure; one the app refuses (a 4xx: nothing in it ran) is sent again one request at a time, and
 * after a 404 or 403 (an inference, or an ACL, from before batches) requests go alone for a while.
 */
export class InferBatching {
  private readonly byModel = new Map<string, Coalescer<InferCall, SidecarResponse>>();
  private aloneUntil = 0;
  /** Calls alone, batch calls, requests those carried, requests dropped while waiting, batches sent again alone. */
  private readonly done = { single: 0, batches: 0, batched: 0, abandoned: 0, refused: 0 };

  constructor(
    private readonly o: {
      dapr: Pick<DaprClient, 'invoke'>;
      appId: string;
      maxInFlight: number;
      now?: () => number;
    },
  ) {}

  async call(c: InferCall): Promise<SidecarResponse> {
    // Alone while the app refuses batches, or when this request does not fit one.
    if ((this.o.now ?? Date.now)() < this.aloneUntil || !fitsBatch(c)) {
      this.done.single++;
      return this.single(c);
    }
    let coalescer = this.byModel.get(c.model);
    if (!coalescer) {
      coalescer = this.coalescer();
      this.byModel.set(c.model, coalescer);
    }
    try {
      return await coalescer.call(c);
    } finally {
      // An idle model's coalescer is let go (model names are many): its counts are kept.
      if (coalescer.idle && this.byModel.get(c.model) === coalescer) {
        this.byModel.delete(c.model);
        addCoalescerCounts(this.done, coalescer.counts);
      }
    }
  }

  /** What went out so far, and the requests waiting now. */
  get counts() {
    const all = { ...this.done, queued: 0, models: this.byModel.size };
    for (const c of this.byModel.values()) {
      addCoalescerCounts(all, c.counts);
      all.queued += c.queued;
    }
    return all;
  }

  private single = (c: InferCall) =>
    inTraceContext(c.traced, () =>
      this.o.dapr.invoke({
        appId: this.o.appId,
        method: c.target,
        httpMethod: 'POST',
        headers: c.headers,
        body: c.json,
      }),
    );

  private alone(calls: InferCall[]) {
    return Promise.allSettled(calls.map(this.single));
  }

  private coalescer() {
    return new Coalescer<InferCall, SidecarResponse>({
      maxInFlight: this.o.maxInFlight,
      maxItems: MAX_INFER_BATCH_REQUESTS,
      maxBytes: MAX_INFER_BATCH_BYTES,
      sizeOf: itemBytes,
      abandoned: (c) =>
        c.gone?.()
          ? new AppError({ code: 'BAD_REQUEST', message: 'the client went away while its request waited' })
          : undefined,
      single: this.single,
      batch: (calls) => this.batch(calls),
    });
  }

  private async batch(calls: InferCall[]): Promise<PromiseSettledResult<SidecarResponse>[]> {
    const now = this.o.now ?? Date.now;
    const upstream = await inTraceContext(calls[0]!.traced, () =>
      this.o.dapr.invoke({ appId: this.o.appId, method: INFER_BATCH_PATH, httpMethod: 'POST', body: envelope(calls) }),
    );
    if (upstream.status >= 400 && upstream.status < 500 && upstream.status !== 429) {
      // Refused before any request ran (too large, malformed, or not served): each goes again alone.
      this.done.refused++;
      if (upstream.status === 404 || upstream.status === 403) this.aloneUntil = now() + ALONE_AFTER_REFUSAL_MS;
      requestLogger().warn(
        { app: this.o.appId, status: upstream.status, upstream: upstream.text().slice(0, 300) },
        'a batch was refused; its requests go alone',
      );
      return this.alone(calls);
    }
    // Overloaded (429), unreachable or cut off by its sidecar (5xx): what each request would have met alone.
    if (upstream.status !== 200) return settled(calls.map(() => upstream));
    let parsed: ReturnType<typeof InferBatchResponse.safeParse>;
    try {
      parsed = InferBatchResponse.safeParse(upstream.json());
    } catch {
      parsed = InferBatchResponse.safeParse(undefined);
    }
    if (!parsed.success || parsed.data.responses.length !== calls.length) {
      requestLogger().warn(
        { app: this.o.appId, requests: calls.length, upstream: upstream.text().slice(0, 500) },
        'a batch came back unreadable',
      );
      throw new AppError({ code: 'BAD_GATEWAY', message: `${this.o.appId} could not complete the request` });
    }
    return settled(parsed.data.responses.map(answerOf));
  }
}
