import { z } from 'zod';
import { PipelineReport } from './features.ts';
import { RegistryVersion } from './registry.ts';
import { Entities } from './scoring-parameters.ts';

export const PredictionCounts = z.object({
  total: z.number().int().nonnegative(),
  models: z.record(z.string(), z.number().int().nonnegative()),
});
export type PredictionCounts = z.infer<typeof PredictionCounts>;

/**
 * A column's distribution on the bins its PSI is computed over (the training reference's, as the
 * card stores them): shares of rows per bin, each side summing to 1, for drawing them side by side.
 */
export const DriftHistogram = z.object({
  /** Ascending interior cut points: bin k holds edges[k-1] < x <= edges[k]; the outer bins are open. */
  edges: z.array(z.number()),
  /** Share of the training rows per bin (edges.length + 1 entries). */
  training: z.array(z.number()),
  /** Share of the window's rows per bin, the same bins. */
  live: z.array(z.number()),
});
export type DriftHistogram = z.infer<typeof DriftHistogram>;

export const DriftFeature = z.object({
  name: z.string(),
  /** input or prediction (the model's first output). */
  kind: z.enum(['input', 'prediction']),
  /**
   * Values compared: the latest, up to the window size. Columns whose reference counts full
   * sensor windows only take rows past their mote's warm-up, so they can hold fewer.
   */
  rows: z.number().int().positive(),
  /** Fewer rows than the window size: the same tests on what has arrived so far, a hint rather than a verdict (no alert comes from it). */
  provisional: z.boolean(),
  psi: z.number(),
  ks: z.number(),
  ks_p_value: z.number(),
  drifted: z.boolean(),
  /** Training against live on the PSI's bins; only for columns whose reference has more than one bin. */
  histogram: DriftHistogram.optional(),
});
export type DriftFeature = z.infer<typeof DriftFeature>;

/** `GET /v1/monitor/models/{m}/drift?version=`: a version's window; without one, the version serving (production, else the latest). */
export const DriftQuery = z.object({ version: RegistryVersion.optional() });
export type DriftQuery = z.infer<typeof DriftQuery>;

export const DriftReport = z.object({
  model: z.string(),
  version: z.string(),
  /** The latest `rows` (at most `size`) of the version; `seen` counts all its rows so far, window `index` ends with them. */
  window: z.object({
    rows: z.number().int(),
    size: z.number().int(),
    index: z.number().int(),
    seen: z.number().int().optional(),
  }),
  /** Rows of this version the monitor has taken in (the same as window.seen). */
  rows_seen: z.number().int().nonnegative(),
  /** The first window is full; until then every feature is provisional. */
  window_filled: z.boolean(),
  /** Some feature is provisional (see DriftFeature.provisional), or has no row yet. */
  provisional: z.boolean(),
  /** Columns with at least one row; a column whose rows have all been warm-up rows so far is not listed yet. */
  features: z.array(DriftFeature),
  /** A feature with a full window drifted: what alerts are raised on. */
  drifted: z.boolean(),
  thresholds: z.object({ psi: z.number(), ks_p_value: z.number() }),
  /** The version's card turns drift monitoring off, for this reason (then `features` is empty). */
  not_monitored: z.string().optional(),
});
export type DriftReport = z.infer<typeof DriftReport>;

/** One closed window as the drift history keeps it: each column's statistics and verdict then. */
export const DriftHistoryWindow = z.object({
  /** Window `index` holds the version's rows [index·size, (index+1)·size). */
  index: z.number().int().nonnegative(),
  /** When the monitor judged the window, as it filled (ISO 8601). */
  closed_at: z.string(),
  /** Rows the window held (the window size when it closed). */
  rows: z.number().int().nonnegative(),
  features: z.array(
    DriftFeature.pick({ name: true, kind: true, psi: true, ks: true, ks_p_value: true, drifted: true }).extend({
      /** The column had fewer rows than the window (see DriftFeature.provisional): its verdict raised no alert. */
      provisional: z.boolean().optional(),
    }),
  ),
  /** A column with a full window drifted: the window raised a drift alert. */
  drifted: z.boolean(),
});
export type DriftHistoryWindow = z.infer<typeof DriftHistoryWindow>;

/**
 * `GET /v1/monitor/models/{m}/drift/history?version=` (query as DriftQuery): a version's closed windows,
 * oldest first, the latest `DRIFT_HISTORY_WINDOWS` of them; `thresholds` are the ones in force now.
 */
export const DriftHistory = z.object({
  model: z.string(),
  version: z.string(),
  thresholds: z.object({ psi: z.number(), ks_p_value: z.number() }),
  windows: z.array(DriftHistoryWindow),
});
export type DriftHistory = z.infer<typeof DriftHistory>;

export const Alert = z.object({
  id: z.string(),
  model: z.string(),
  version: z.string(),
  kind: z.enum(['drift', 'degraded']),
  window: z.number().int(),
  evidence: z.record(z.string(), z.unknown()),
  /** The retraining run the alert started (its workflow instance id). */
  run_id: z.string(),
  created_at: z.string(),
});
export type Alert = z.infer<typeof Alert>;

/**
 * Quality objectives of a model against delayed labels. Each full window of
 * `min_labels` labelled predictions of a version is checked once; a metric
 * below its minimum raises a `degraded` alert. A metric without a minimum is
 * not checked.
 */
export const QualityThreshold = z.object({
  min_f1: z.number().min(0).max(1).optional(),
  min_precision: z.number().min(0).max(1).optional(),
  min_recall: z.number().min(0).max(1).optional(),
  min_labels: z.number().int().positive().default(50),
});
export type QualityThreshold = z.infer<typeof QualityThreshold>;

/**
 * Thresholds per model name, as configured; the entry `*` applies to models
 * without one of their own. Strict, so a misspelt key fails boot instead of
 * silently checking nothing.
 */
export const QualityThresholds = z.record(z.string().min(1), QualityThreshold.strict());
export type QualityThresholds = z.infer<typeof QualityThresholds>;

export const QualityMetric = z.enum(['f1', 'precision', 'recall']);
export type QualityMetric = z.infer<typeof QualityMetric>;

/** Why a `degraded` alert was raised: the window's scores against the thresholds. */
export const DegradedEvidence = z.object({
  metrics: z.object({ count: z.number().int().positive(), precision: z.number(), recall: z.number(), f1: z.number() }),
  thresholds: QualityThreshold,
  breached: z.array(QualityMetric).min(1),
  /** Window `index` holds the version's labelled predictions [index·size, (index+1)·size). */
  window: z.object({ index: z.number().int().nonnegative(), size: z.number().int().positive() }),
});
export type DegradedEvidence = z.infer<typeof DegradedEvidence>;

export const SloReport = z.object({
  model: z.string(),
  /** The latest requests logged for the model (failed ones included), up to `size`. */
  window: z.object({
    size: z.number().int().positive(),
    requests: z.number().int().nonnegative(),
    from: z.string().optional(),
    to: z.string().optional(),
  }),
  /** Over answered requests (failures are counted by the error rate, not here); null with none. */
  latency_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
  /** Failed requests (no answer) over all requests. */
  error_rate: z.number(),
  /** Requests answered by the fallback over all requests (reported, not an objective). */
  fallback_rate: z.number(),
  objectives: z.object({ latency_p99_ms: z.number(), error_rate: z.number() }),
  /** Null when there is nothing to judge by (no answered request for latency). */
  met: z.object({ latency_p99: z.boolean().nullable(), error_rate: z.boolean(), all: z.boolean() }),
});
export type SloReport = z.infer<typeof SloReport>;

/** `GET /v1/monitor/pipeline?entities=3,7`: the entities to account for; without it, every entity seen. */
export const PipelineQuery = z.object({ entities: Entities.optional() });
export type PipelineQuery = z.output<typeof PipelineQuery>;

/**
 * The lag of prediction events, from their `ts` to the monitor taking them in, over the
 * latest `window_seconds`, as the answering monitor replica saw them (kept in its memory).
 */
export const PredictionLag = z.object({
  /** Events taken in during the window (a redelivery is not measured again). */
  events: z.number().int().nonnegative(),
  /** Deliveries of events already taken in, during the window: each was recognised and not counted again. */
  duplicates: z.number().int().nonnegative(),
  /** p50 and p99 from a histogram (about 10 % resolution); max and the latest exact; null with no events. */
  lag_ms: z.object({
    p50: z.number().nullable(),
    p99: z.number().nullable(),
    max: z.number().nullable(),
    last: z.number().nullable(),
  }),
  window_seconds: z.number().int().positive(),
});
export type PredictionLag = z.infer<typeof PredictionLag>;

/** What `GET /v1/monitor/pipeline` answers: the stream-row account and the lag of prediction events. */
export const MonitorPipelineReport = PipelineReport.extend({ predictions: PredictionLag });
export type MonitorPipelineReport = z.infer<typeof MonitorPipelineReport>;
