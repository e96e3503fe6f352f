import { z } from 'zod';

export const PredictionCounts = z.object({
  total: z.number().int().nonnegative(),
  models: z.record(z.string(), z.number().int().nonnegative()),
});
export type PredictionCounts = z.infer<typeof PredictionCounts>;

export const DriftFeature = z.object({
  name: z.string(),
  /** input or prediction (the model's first output). */
  kind: z.enum(['input', 'prediction']),
  psi: z.number(),
  ks: z.number(),
  ks_p_value: z.number(),
  drifted: z.boolean(),
});

export const DriftReport = z.object({
  model: z.string(),
  version: z.string(),
  window: z.object({ rows: z.number().int(), size: z.number().int(), index: z.number().int() }),
  features: z.array(DriftFeature),
  drifted: z.boolean(),
  thresholds: z.object({ psi: z.number(), ks_p_value: z.number() }),
});
export type DriftReport = z.infer<typeof DriftReport>;

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
