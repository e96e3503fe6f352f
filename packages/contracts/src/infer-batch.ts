import { z } from 'zod';

/**
 * Infer requests that travel together from the gateway to inference: while
 * the gateway already has calls in flight to inference, the infer requests
 * that arrive wait and then cross the two sidecars as one call, and each is
 * answered on its own (its status, headers and body, as if sent alone).
 * Each request keeps its own model, version, body and trace context; only
 * the gateway may call it (apps/apps.json).
 */
export const INFER_BATCH_PATH = 'v1/infer-batch';
/** Requests per call: the gateway sends no more, inference refuses more. */
export const MAX_INFER_BATCH_REQUESTS = 64;
/** A request larger than this (its JSON as sent) travels alone: batching pays for small requests, whose cost is per call. */
export const MAX_INFER_BATCH_ITEM_BYTES = 64 * 1024;
/** Most bytes of requests in one batch (their JSON, headers and trace context): well under daprd's 4 MiB body limit. */
export const MAX_INFER_BATCH_BYTES = 1024 * 1024;

export const InferBatchItem = z.object({
  model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
  version: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/)
    .optional(),
  /** The OIP infer request as the client sent it (JSON); inference validates it as it does a single one. */
  body: z.unknown(),
  /** The headers the gateway forwards with a request alone (subject and roles): a traffic policy may be sticky on one. */
  headers: z.record(z.string().regex(/^x-meridian-[a-z-]{1,32}$/), z.string().max(1024)).optional(),
  /** The W3C trace context of the client's request. */
  traceparent: z.string().max(128).optional(),
  tracestate: z.string().max(512).optional(),
});
export type InferBatchItem = z.infer<typeof InferBatchItem>;

/** Each request is read on its own (InferBatchItem): one that does not fit gets its own 400, never the batch. */
export const InferBatchRequest = z.object({
  requests: z.array(z.unknown()).min(1).max(MAX_INFER_BATCH_REQUESTS),
});
export type InferBatchRequest = z.infer<typeof InferBatchRequest>;

/** One request's answer: what inference would have answered it alone (an InferResponse, or a problem). */
export const InferBatchAnswer = z.object({
  status: z.number().int().min(100).max(599),
  /** Only `retry-after` today: the headers a client acts on. */
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown(),
});
export type InferBatchAnswer = z.infer<typeof InferBatchAnswer>;

export const InferBatchResponse = z.object({ responses: z.array(InferBatchAnswer) });
export type InferBatchResponse = z.infer<typeof InferBatchResponse>;
