import { z } from 'zod';

/** Topic names: one place, so publishers and subscribers cannot drift apart. */
export const Topics = {
  predictions: 'predictions',
} as const;

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
  /** How the version was chosen: explicit, default, canary, ab. */
  route: z.string().optional(),
  /** The answer came from the fallback (why), or from the response cache. */
  fallback: z.string().optional(),
  cached: z.boolean().optional(),
  /** Shadow traffic: the candidate's outputs on the same inputs, for comparison. */
  shadow: z.object({ version: z.string(), outputs: z.record(z.string(), z.array(z.union([z.number(), z.string(), z.boolean()]))) }).optional(),
  trace_id: z.string().optional(),
  ts: z.string().datetime(),
});
export type PredictionEvent = z.infer<typeof PredictionEvent>;
