import { z } from 'zod';

/** The id of row `row` of a prediction: labels refer to single rows. */
export const rowPredictionId = (id: string, row: number): string => `${id}:${row}`;

/** The prediction log: one event per inference request. */
export const PredictionEvent = z.object({
  id: z.string().min(1),
  model: z.string().min(1),
  version: z.string().min(1),
  input_hash: z.string().min(1),
  inputs: z.record(z.string(), z.array(z.union([z.number(), z.string(), z.boolean()]))),
  outputs: z.record(z.string(), z.array(z.union([z.number(), z.string(), z.boolean()]))),
  rows: z.number().int().positive(),
  latency_ms: z.number().nonnegative(),
  /** Protected attributes per row (never model inputs), sent for fairness monitoring as `protected.<attr>` parameters. */
  protected: z.record(z.string(), z.array(z.string())).optional(),
  /** The model's decision threshold, so consumers can turn scores into decisions. */
  threshold: z.number().optional(),
  /** How the version was chosen: explicit, default, canary, ab. */
  route: z.string().optional(),
  /** The answer came from the fallback (why), or from the response cache. */
  fallback: z.string().optional(),
  cached: z.boolean().optional(),
  /** Shadow traffic: the candidate's outputs on the same inputs, for comparison. */
  shadow: z
    .object({
      version: z.string(),
      outputs: z.record(z.string(), z.array(z.union([z.number(), z.string(), z.boolean()]))),
    })
    .optional(),
  trace_id: z.string().optional(),
  /**
   * Rows scored for a stream (the features app): each row's sequenced key
   * (`<entity>@<epoch>#<seq>`, unique per applied record) and when its record
   * reached ingestion (epoch ms), so the monitor counts stream rows exactly
   * once and measures end-to-end lag.
   */
  records: z.object({ keys: z.array(z.string().min(1)), received_at: z.array(z.number()) }).optional(),
  ts: z.string().datetime(),
});
export type PredictionEvent = z.infer<typeof PredictionEvent>;

/**
 * A request the model could not answer (it threw or missed its deadline and
 * no fallback was configured). A topic of its own rather than a flag on
 * PredictionEvent: consumers of `predictions` keep seeing answers only.
 */
export const PredictionErrorEvent = z.object({
  id: z.string().min(1),
  model: z.string().min(1),
  version: z.string().min(1),
  rows: z.number().int().positive(),
  latency_ms: z.number().nonnegative(),
  /** The error code the caller got (AppError code: INTERNAL, DEADLINE_EXCEEDED, ...). */
  error: z.string().min(1),
  route: z.string().optional(),
  trace_id: z.string().optional(),
  ts: z.string().datetime(),
});
export type PredictionErrorEvent = z.infer<typeof PredictionErrorEvent>;

/** Ground truth for one prediction row (rowPredictionId), arriving later than the prediction. */
export const Label = z.object({
  prediction_id: z.string().min(1),
  label: z.union([z.literal(0), z.literal(1), z.boolean()]).transform((v) => (v === true || v === 1 ? 1 : 0)),
});
export type Label = z.infer<typeof Label>;
export const LabelBatch = z.array(Label).min(1).max(10_000);

export const QualityReport = z.object({
  model: z.string(),
  version: z.string().optional(),
  /** Labelled predictions in the rolling window of the reported version. */
  count: z.number().int().nonnegative(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  window: z.number().int().positive(),
  versions: z.array(
    z.object({
      version: z.string(),
      count: z.number().int(),
      precision: z.number(),
      recall: z.number(),
      f1: z.number(),
    }),
  ),
});
export type QualityReport = z.infer<typeof QualityReport>;
