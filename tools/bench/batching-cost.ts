import type { LoadResult, Target } from './load.ts';
import { cpuSeconds } from './process-stats.ts';
import { mean, measureInTurns, type TurnWindow } from './turns.ts';

export interface BatchingCostRow extends Omit<LoadResult, 'errors'> {
  path: 'direct';
  model: string;
  batching: boolean;
  concurrency: number;
  /** Mean of `turns` windows, each side measured in turn with the other (off, on, off, on, …). */
  turns: number;
  /** The inference process's CPU milliseconds per request. */
  cpu_ms_per_request: number;
  /** Batching on against off, one ratio per turn: what the median is taken over. */
  rps_ratios?: number[];
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * What batching costs a model too cheap to gain from it: the direct path with batching off and
 * on, in turns (off, on, off, on, …) so the machine's drift hits both alike, and the median of
 * the per-turn throughput ratios, which one slow window cannot swing.
 */
export async function measureBatchingCost(o: {
  model: string;
  target: Target;
  setBatching: (enabled: boolean) => Promise<void>;
  inferencePid: () => number | undefined;
  concurrency: number;
  turns: number;
  seconds: number;
  warmupSeconds: number;
  say: (line: string) => void;
}): Promise<BatchingCostRow[]> {
  const [offWindows, onWindows] = (await measureInTurns({
    sides: [false, true],
    turns: o.turns,
    concurrency: o.concurrency,
    seconds: o.seconds,
    warmupSeconds: o.warmupSeconds,
    target: () => o.target,
    cpu: () => ({ inference: cpuSeconds(o.inferencePid()) ?? 0 }),
    prepare: o.setBatching,
    onErrors: (batching, errors) =>
      o.say(`${o.model} batching=${batching} c=${o.concurrency}: ${errors} failed requests`),
  })) as [TurnWindow[], TurnWindow[]];
  const runs = new Map([
    [false, offWindows],
    [true, onWindows],
  ]);
  const ratios = onWindows.map((on, i) => round2(on.rps / offWindows[i]!.rps));
  const rows = [...runs].map(
    ([batching, measured]): BatchingCostRow => ({
      path: 'direct',
      model: o.model,
      batching,
      concurrency: o.concurrency,
      turns: o.turns,
      p50_ms: round2(mean(measured.map((r) => r.p50_ms))),
      p99_ms: round2(mean(measured.map((r) => r.p99_ms))),
      rps: Math.round(mean(measured.map((r) => r.rps))),
      cpu_ms_per_request: Math.round(mean(measured.map((r) => r.cpu.inference!)) * 1000) / 1000,
      ...(batching ? { rps_ratios: ratios } : {}),
    }),
  );
  const [off, on] = rows as [BatchingCostRow, BatchingCostRow];
  o.say(
    `${o.model} c=${o.concurrency}, ${o.turns} turns: batching off ${off.rps} rps (${off.cpu_ms_per_request} ms CPU/request), ` +
      `on ${on.rps} rps (${on.cpu_ms_per_request} ms); on/off per turn ${ratios.join(', ')}, median ${round2(median(ratios))}`,
  );
  return rows;
}
