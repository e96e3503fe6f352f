/** Lag histogram buckets: bucket i holds lags below 1.1^i ms (about 10 % resolution up to hours). */
export const bucketOf = (ms: number): number => Math.max(0, Math.ceil(Math.log(Math.max(ms, 1)) / Math.log(1.1)));
const bucketUpper = (i: number) => 1.1 ** i;

/** Adds stored bucket counts (bucket index → lags in it) into a running total. */
export function mergeBuckets(into: Map<number, number>, buckets: Record<string, number>): void {
  for (const [b, n] of Object.entries(buckets)) into.set(Number(b), (into.get(Number(b)) ?? 0) + n);
}

/**
 * p50 and p99 from the buckets (a bucket's upper bound, never above the exact
 * max), and the max; null when no lag was counted.
 */
export function lagSummary(o: { buckets: Map<number, number>; count: number; max: number }): {
  p50: number | null;
  p99: number | null;
  max: number | null;
} {
  const sorted = [...o.buckets].sort(([a], [b]) => a - b);
  const quantile = (q: number): number | null => {
    if (!o.count) return null;
    const target = q * o.count;
    let seen = 0;
    for (const [b, n] of sorted) {
      seen += n;
      if (seen >= target) return Math.min(Math.round(bucketUpper(b) * 10) / 10, o.max);
    }
    return o.max;
  };
  return { p50: quantile(0.5), p99: quantile(0.99), max: o.count ? o.max : null };
}
