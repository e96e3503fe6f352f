import { z } from 'zod';
import { ProblemDetails } from './problem.ts';

/** Raw-record intake: what the ingestion app answers and what it publishes. */

/** How a batch's records were counted: each record lands in exactly one of the three counts. */
export const IngestCounts = z.object({
  /** Valid records published to the stream's topic for the first time. */
  accepted: z.number().int().nonnegative(),
  /** Records that failed the stream's schema, dead-lettered with the reason. */
  rejected: z.number().int().nonnegative(),
  /** Records whose idempotency key was already seen (an earlier batch, or earlier in this one). */
  duplicates: z.number().int().nonnegative(),
});
export type IngestCounts = z.infer<typeof IngestCounts>;

/** At most this many rejections are listed in an answer (every one is dead-lettered). */
export const MAX_LISTED_REJECTIONS = 20;

/** Why one record was rejected: one entry per failing field (PII masked, never the value). */
export const IngestRejection = z.object({
  /** Position of the record in its batch. */
  index: z.number().int().nonnegative(),
  /** The failing field, e.g. "mote_id"; "(record)" when the record is not an object. */
  field: z.string(),
  reason: z.string(),
});
export type IngestRejection = z.infer<typeof IngestRejection>;

/** The answer to a batch: the counts, and why the first rejected records were rejected. */
export const IngestResult = IngestCounts.extend({
  rejections: z.array(IngestRejection).max(MAX_LISTED_REJECTIONS).default([]),
});
export type IngestResult = z.infer<typeof IngestResult>;

/** Running totals per stream, kept in the state store. */
export const StreamStats = IngestCounts.extend({
  stream: z.string(),
  dead_lettered: z.number().int().nonnegative(),
  batches: z.number().int().nonnegative(),
  updated_at: z.string().optional(),
});
export type StreamStats = z.infer<typeof StreamStats>;

/** An accepted record as its stream's topic carries it (PII fields masked). */
export const IngestedRecord = z.object({
  /** The idempotency key: the record's `id`, else sha256 of its canonical JSON. Consumers dedupe on it. */
  key: z.string().min(1),
  record: z.record(z.string(), z.unknown()),
});
export type IngestedRecord = z.infer<typeof IngestedRecord>;

/** At most this many records travel in one event on a stream's topic. */
export const MAX_RECORDS_PER_EVENT = 500;
/** About how many bytes of records (as JSON) one event on a stream's topic carries: well under the 1 MB every broker takes. */
export const MAX_EVENT_RECORD_BYTES = 256 * 1024;

/**
 * Published on a stream's topic: accepted records of one batch that share a partition key (on
 * a stream without one, of the whole batch), in the batch's order, at most
 * MAX_RECORDS_PER_EVENT and about MAX_EVENT_RECORD_BYTES of them (a larger record travels
 * alone). Most of what the broker and the sidecars spend on an event is spent per event, not
 * per byte, so records travel together rather than one event each (docs/performance.md).
 */
export const IngestedRecordsEvent = z.object({
  stream: z.string().min(1),
  received_at: z.string().datetime(),
  records: z.array(IngestedRecord).min(1).max(MAX_RECORDS_PER_EVENT),
});
export type IngestedRecordsEvent = z.infer<typeof IngestedRecordsEvent>;

/** The one-record event ingestion published before records travelled together. Read, never written. */
const IngestedRecordEventV1 = z.object({
  stream: z.string().min(1),
  key: z.string().min(1),
  record: z.record(z.string(), z.unknown()),
  received_at: z.string().datetime(),
});

/**
 * What a consumer of a stream's topic reads: an IngestedRecordsEvent, or an event of the earlier
 * one-record shape as an event of one record, so that records already in a topic at an upgrade,
 * or published by an ingestion replica of the earlier version during a rolling one, are taken
 * rather than dropped.
 */
export const StreamTopicEvent = z.union([
  IngestedRecordsEvent,
  IngestedRecordEventV1.transform(
    (e): IngestedRecordsEvent => ({
      stream: e.stream,
      received_at: e.received_at,
      records: [{ key: e.key, record: e.record }],
    }),
  ),
]);

/** Published once per rejected record on `<topic>.dead-letter` (PII fields masked). */
export const DeadLetterEvent = z.object({
  stream: z.string().min(1),
  /** Position of the record in its batch (0 for a single record from a binding). */
  index: z.number().int().nonnegative(),
  key: z.string().min(1),
  /** One line naming every failing field, e.g. "humidity: Too big: expected number to be <=100". */
  reason: z.string().min(1),
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
  record: z.unknown(),
  received_at: z.string().datetime(),
});
export type DeadLetterEvent = z.infer<typeof DeadLetterEvent>;

/** A stream's records accepted but not yet processed downstream, when a batch is refused for them. */
export const IngestBacklog = z.object({
  stream: z.string(),
  /** Accepted records the stream's consumer has not processed yet, as ingestion last measured them. */
  records: z.number().int().nonnegative(),
  /** MAX_BACKLOG_RECORDS: a batch is taken while it fits under this, or whole when nothing is waiting. */
  max_records: z.number().int().positive(),
  /** The batch's records: what had to fit. */
  batch_records: z.number().int().nonnegative(),
  /** The same as the Retry-After header: about when enough will have been processed, at the rate measured. */
  retry_after_seconds: z.number().int().positive(),
});
export type IngestBacklog = z.infer<typeof IngestBacklog>;

/** The 429 problem of a batch refused because its stream's backlog is full: nothing of it was published. */
export const IngestBacklogProblem = ProblemDetails.extend({ backlog: IngestBacklog });
export type IngestBacklogProblem = z.infer<typeof IngestBacklogProblem>;
