import { z } from 'zod';

/** Exponentially weighted mean and variance of one feature. */
export const EwStats = z.object({ mean: z.number(), variance: z.number().nonnegative() });
export type EwStats = z.infer<typeof EwStats>;

/** Per-reading weight of the newest reading for a half-life counted in readings. */
export function decayAlpha(halfLife: number): number {
  return 1 - 2 ** (-1 / halfLife);
}

/**
 * Folds x in as the `count`-th reading (1-based). The weight is max(alpha, 1/count): for the
 * first 1/alpha readings that is the plain running mean and (population) variance, so the
 * first readings are not pulled towards the zero a pure EW average would start from; after
 * that it forgets old readings at the half-life. West's update keeps the variance >= 0.
 */
export function foldEw(options: { stats: EwStats; x: number; count: number; alpha: number }): EwStats {
  const { stats, x, count, alpha } = options;
  const weight = Math.max(alpha, 1 / count);
  const delta = x - stats.mean;
  return {
    mean: stats.mean + weight * delta,
    variance: (1 - weight) * (stats.variance + weight * delta * delta),
  };
}

export function zScore(options: { stats: EwStats; x: number; stdFloor: number }): number {
  const { stats, x, stdFloor } = options;
  return (x - stats.mean) / Math.max(Math.sqrt(stats.variance), stdFloor);
}
