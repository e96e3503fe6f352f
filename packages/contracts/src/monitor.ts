import { z } from 'zod';

export const PredictionCounts = z.object({
  total: z.number().int().nonnegative(),
  models: z.record(z.string(), z.number().int().nonnegative()),
});
export type PredictionCounts = z.infer<typeof PredictionCounts>;
