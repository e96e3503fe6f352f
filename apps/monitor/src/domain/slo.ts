import type { SloReport } from '@meridian/contracts';

/** How a logged request ended: answered by the model, answered by the fallback, or failed. */
export type Outcome = 'ok' | 'fallback' | 'error';

/** One request: [dedupe key, latency ms, outcome, epoch ms]. A tuple keeps the stored windows small. */
export type SloEntry = [string, number, Outcome, number];

export interface SloObjectives {
  latency_p99_ms: number;
  error_rate: number;
}

/** Nearest-rank percentile of ascending values: the smallest value with at least q of them at or below it. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}

/**
 * The entries with one more, trimmed to the latest `keep`; undefined when the
 * entry's key is there already (a redelivery), so the caller writes nothing.
 */
export function addEntry(entries: readonly SloEntry[], entry: SloEntry, keep: number): SloEntry[] | undefined {
  if (entries.some(([key]) => key === entry[0])) return undefined;
  return [...entries, entry].sort((a, b) => a[3] - b[3]).slice(-keep);
}

/** Latency percentiles of answered requests, error and fallback rates of all, over the latest `size` requests. */
export function sloReport(o: {
  model: string;
  entries: readonly SloEntry[];
  size: number;
  objectives: SloObjectives;
}): SloReport {
  const latest = [...o.entries].sort((a, b) => a[3] - b[3]).slice(-o.size);
  const answered = latest
    .filter((e) => e[2] !== 'error')
    .map((e) => e[1])
    .sort((a, b) => a - b);
  const share = (outcome: Outcome) =>
    latest.length ? latest.filter((e) => e[2] === outcome).length / latest.length : 0;
  const p99 = percentile(answered, 0.99);
  const errorRate = share('error');
  const met = {
    latency_p99: p99 === null ? null : p99 <= o.objectives.latency_p99_ms,
    error_rate: errorRate <= o.objectives.error_rate,
  };
  return {
    model: o.model,
    window: {
      size: o.size,
      requests: latest.length,
      ...(latest.length
        ? { from: new Date(latest[0]![3]).toISOString(), to: new Date(latest.at(-1)![3]).toISOString() }
        : {}),
    },
    latency_ms: { p50: percentile(answered, 0.5), p95: percentile(answered, 0.95), p99 },
    error_rate: errorRate,
    fallback_rate: share('fallback'),
    objectives: o.objectives,
    met: { ...met, all: met.latency_p99 !== false && met.error_rate },
  };
}
