import { z } from 'zod';

/** Online and offline features: what the features app answers. */

/** How a sensor feature vector is built from a mote's readings (mirrors SensorWindowSpec in packages/ml). */
export const SensorWindowSpecBody = z.strictObject({
  kind: z.literal('sensor-window'),
  version: z.literal(1),
  window: z.number().int().min(1).max(500),
  features: z
    .array(z.enum(['mean', 'std', 'delta', 'min', 'max', 'zscore']))
    .min(0)
    .max(6),
});
export type SensorWindowSpecBody = z.infer<typeof SensorWindowSpecBody>;

/** One entity's online feature vector, computed from its latest reading and the readings before it. */
export const OnlineFeatures = z.object({
  entity: z.string(),
  spec: SensorWindowSpecBody,
  /** Only readings this many seconds before the latest one were used (absent: the last `window` readings). */
  seconds: z.number().positive().optional(),
  names: z.array(z.string()),
  values: z.array(z.number()),
  features: z.record(z.string(), z.number()),
  /** Readings of the entity applied so far (each idempotency key once), and kept for windows. */
  readings_applied: z.number().int().nonnegative(),
  readings_kept: z.number().int().nonnegative(),
  /** Timestamp of the latest reading (epoch ms) and when it was applied. */
  as_of: z.number(),
  updated_at: z.string(),
});
export type OnlineFeatures = z.infer<typeof OnlineFeatures>;

/** Many entities at once (what inference asks for): one vector per entity, in order. */
export const FeatureVectorsRequest = z.strictObject({
  entities: z.array(z.string().min(1).max(100)).min(1).max(10_000),
  spec: SensorWindowSpecBody,
  seconds: z.number().positive().optional(),
});
export type FeatureVectorsRequest = z.infer<typeof FeatureVectorsRequest>;

export const FeatureVectorsResponse = z.object({
  names: z.array(z.string()),
  rows: z.array(z.object({ entity: z.string(), values: z.array(z.number()), as_of: z.number() })),
  /** Entities with no readings (never seen, or expired by the TTL). */
  missing: z.array(z.string()),
});
export type FeatureVectorsResponse = z.infer<typeof FeatureVectorsResponse>;

/** A row of the offline feature log: the features a reading was scored with, as they were at that time. */
export const OfflineFeatureRow = z.object({
  row_key: z.string(),
  entity: z.string(),
  record_key: z.string(),
  ts: z.number(),
  received_at: z.number(),
  names: z.array(z.string()),
  values: z.array(z.number()),
  /** The dataset's own label when the record carried one (replays of labelled data). */
  label: z.union([z.literal(0), z.literal(1)]).optional(),
});
export type OfflineFeatureRow = z.infer<typeof OfflineFeatureRow>;

/** The offline feature log of the days in [from, to] (YYYY-MM-DD): one row per row key, ordered by entity and time. */
export const OfflineFeatureLog = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.array(OfflineFeatureRow),
});
export type OfflineFeatureLog = z.infer<typeof OfflineFeatureLog>;

/** The monitor's end-to-end account of stream rows (fed by prediction events carrying `records`). */
export const PipelineReport = z.object({
  entities: z.number().int().nonnegative(),
  /** Distinct stream rows whose prediction reached the monitor. */
  rows: z.number().int().nonnegative(),
  /** Rows delivered again and recognised (at-least-once delivery), not counted twice. */
  repeats: z.number().int().nonnegative(),
  lag_ms: z.object({ p50: z.number().nullable(), p99: z.number().nullable(), max: z.number().nullable() }),
});
export type PipelineReport = z.infer<typeof PipelineReport>;

/**
 * How far one features process has got through the readings topic: what
 * ingestion's backpressure reads. Counts are since `started_at` and start
 * again with a new `instance` after a restart.
 */
export const ConsumerProgress = z.object({
  instance: z.string().min(1),
  started_at: z.iso.datetime({ offset: true }),
  /** Records of the entries answered for good (SUCCESS or DROP); an entry answered RETRY comes back and is counted then. */
  consumed: z.number().int().nonnegative(),
  /** Records of the deliveries being handled now. */
  in_flight: z.number().int().nonnegative(),
});
export type ConsumerProgress = z.infer<typeof ConsumerProgress>;

/** GET /v1/features/stats: the window spec, the stream processor's counts, and the consumer's progress. */
export const FeaturesStats = z.object({
  spec: SensorWindowSpecBody,
  names: z.array(z.string()),
  batches: z.number().int().nonnegative(),
  applied: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  scored: z.number().int().nonnegative(),
  rescored: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  cas_retries: z.number().int().nonnegative(),
  score_refused: z.number().int().nonnegative(),
  consumer: ConsumerProgress,
});
export type FeaturesStats = z.infer<typeof FeaturesStats>;
