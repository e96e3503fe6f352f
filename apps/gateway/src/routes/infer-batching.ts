import type { Request } from 'express';
import {
  INFER_BATCH_PATH,
  InferBatchResponse,
  MAX_INFER_BATCH_ITEM_BYTES,
  MAX_INFER_BATCH_REQUESTS,
  type InferBatchRequest,
} from '@meridian/contracts';
import {
  AppError,
  inTraceContext,
  requestLogger,
  sidecarResponse,
  traceHeaders,
  type DaprClient,
  type SidecarResponse,
  type TraceContext,
} from '@meridian/service-kit';
import { Coalescer } from '../domain/coalescer.ts';

/** One forwarded infer request: where it goes, what it carries, and the trace it belongs to. */
export interface InferCall {
  target: string;
  model: string;
  version?: string;
  body: unknown;
  headers: Record<string, string>;
  traced: TraceContext;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

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
 * Whether a request may travel in a batch: a JSON object no larger than MAX_INFER_BATCH_ITEM_BYTES that wants its
 * outputs in JSON (binary outputs come back as bytes, which only a request sent alone carries).
 */
export function batchable(req: Request): boolean {
  const body = req.body as { parameters?: Record<string, unknown>; outputs?: { parameters?: unknown }[] } | undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  if (Number(req.headers['content-length'] ?? Number.POSITIVE_INFINITY) > MAX_INFER_BATCH_ITEM_BYTES) return false;
  if (req.headers.accept === 'text/event-stream') return false;
  if (body.parameters?.binary_data_output !== undefined) return false;
  return !(body.outputs ?? []).some(
    (o) => (o?.parameters as Record<string, unknown> | undefined)?.binary_data !== undefined,
  );
}

/**
 * Infer requests to `appId` (inference) that travel together under load (domain/coalescer.ts): alone while fewer
 * than `maxInFlight` calls are out, else in one POST /v1/infer-batch with the others that waited. Each request gets
 * the answer it would have had alone; a batch that fails as a whole is each request's failure. An app that does not
 * serve batches yet (404 from the app during an upgrade) gets the batch's requests one by one.
 */
export function inferBatching(o: {
  dapr: Pick<DaprClient, 'invoke'>;
  appId: string;
  maxInFlight: number;
}): Coalescer<InferCall, SidecarResponse> {
  const single = (c: InferCall) =>
    inTraceContext(c.traced, () =>
      o.dapr.invoke({ appId: o.appId, method: c.target, httpMethod: 'POST', headers: c.headers, body: c.body }),
    );
  return new Coalescer<InferCall, SidecarResponse>({
    maxInFlight: o.maxInFlight,
    maxItems: MAX_INFER_BATCH_REQUESTS,
    single,
    batch: (calls) =>
      inTraceContext(calls[0]!.traced, async () => {
        const envelope: InferBatchRequest = {
          requests: calls.map((c) => ({
            model: c.model,
            ...(c.version === undefined ? {} : { version: c.version }),
            body: c.body,
            ...inTraceContext(c.traced, traceHeaders),
          })),
        };
        const upstream = await o.dapr.invoke({
          appId: o.appId,
          method: INFER_BATCH_PATH,
          httpMethod: 'POST',
          body: envelope,
        });
        if (upstream.status === 404 && !fromDapr(upstream)) return Promise.all(calls.map(single));
        if (upstream.status !== 200) return calls.map(() => upstream);
        let parsed: ReturnType<typeof InferBatchResponse.safeParse>;
        try {
          parsed = InferBatchResponse.safeParse(upstream.json());
        } catch {
          parsed = InferBatchResponse.safeParse(undefined);
        }
        if (!parsed.success || parsed.data.responses.length !== calls.length) {
          requestLogger().warn(
            { app: o.appId, requests: calls.length, upstream: upstream.text().slice(0, 500) },
            'a batch came back unreadable',
          );
          throw new AppError({ code: 'BAD_GATEWAY', message: `${o.appId} could not complete the request` });
        }
        return parsed.data.responses.map(answerOf);
      }),
  });
}
