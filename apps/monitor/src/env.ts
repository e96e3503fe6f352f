import { z } from 'zod';
import { Components, QualityThresholds, SLO_OBJECTIVES } from '@meridian/contracts';
import { daprPreset } from '@meridian/service-kit';

/** A JSON-valued variable, checked against its schema (a problem names the variable and the key). */
const json = <T>(schema: z.ZodType<T>, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not valid JSON (${(err as Error).message})` });
        return z.NEVER;
      }
    })
    .pipe(schema);

export const monitorEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('monitor'),
  PUBSUB_NAME: z.string().default(Components.pubsub),
  STATE_STORE: z.string().default(Components.state),
  /** Labelled predictions per model version that rolling quality is computed over. */
  QUALITY_WINDOW: z.coerce.number().int().positive().default(1000),
  /**
   * `{"<model>": {"min_f1", "min_precision", "min_recall", "min_labels"}}`; `*` is every
   * other model. A model's own entry replaces `*` (no merging). Each full window of
   * `min_labels` labels of a version is checked once; a breach raises `degraded`.
   */
  QUALITY_THRESHOLDS: json(QualityThresholds, '{"*":{"min_f1":0.5,"min_labels":50}}'),
  REGISTRY_APP_ID: z.string().default('registry'),
  /** Rows per drift window; each full window is evaluated once. */
  DRIFT_WINDOW: z.coerce.number().int().positive().default(500),
  /** Alert thresholds: PSI at or above, or a KS p-value below. */
  DRIFT_PSI: z.coerce.number().positive().default(0.2),
  DRIFT_KS_P_VALUE: z.coerce.number().positive().max(1).default(0.01),
  /** Closed drift windows kept per model version (GET …/drift/history), the latest ones. */
  DRIFT_HISTORY_WINDOWS: z.coerce.number().int().positive().default(100),
  /** Latest requests per model that latency percentiles and the error rate are computed over. */
  SLO_WINDOW: z.coerce.number().int().positive().default(1000),
  /** Objectives: p99 latency of answered requests at most this, failed requests at most this share. */
  SLO_LATENCY_P99_MS: z.coerce.number().positive().default(SLO_OBJECTIVES.latency_p99_ms),
  SLO_ERROR_RATE: z.coerce.number().min(0).max(1).default(SLO_OBJECTIVES.error_rate),
  /**
   * Bulk deliveries of the prediction log: up to this many events per call, waiting at most this
   * long to fill one. Each batch writes each state key once, so larger batches mean fewer writes.
   */
  BULK_MAX_MESSAGES: z.coerce.number().int().min(1).max(1000).default(500),
  BULK_MAX_AWAIT_MS: z.coerce.number().int().min(1).max(10_000).default(50),
};

export type MonitorEnv = z.infer<z.ZodObject<typeof monitorEnv>>;
