import type { Drain } from './monitor-probe.ts';
import { openLoop, type OpenLoopResult } from './open-loop.ts';
import { drainMonitor, type PhaseContext } from './phase-context.ts';
import { cpuByProcess, cpuSpent, MemorySampler, type MemoryTrend } from './process-stats.ts';

export interface Soak {
  target_rps: number;
  load: OpenLoopResult;
  /** 200s during the soak, and what the monitor counted of the soak once its backlog drained. */
  answered: number;
  counted: number;
  /** Answered ids the monitor says it never counted, of `ids_checked` (all of them, or a random sample past the limit). */
  lost: number;
  ids_checked: number;
  id_checks_failed: number;
  missing_ids: string[];
  /** Counted beyond the answered ones that were counted: the monitor counts by id, so this must be 0. */
  double_counted: number;
  lag: {
    first_quarter: number | null;
    last_quarter: number | null;
    growth_allowed: number;
    flat: boolean;
    series: [number, number][];
  };
  memory: Record<string, MemoryTrend>;
  memory_flat: boolean;
  cpu_s: Record<string, number>;
  drain: Drain;
  /** The monitor's own view of the model's latency and errors (its SLO window). */
  monitor_slo: unknown;
}

function sample<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  const out = [...items];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (out.length - i));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out.slice(0, n);
}

/**
 * A long run at one rate, then the ledger: once the monitor has drained,
 * every id answered 200 during the soak must be counted (none lost), and
 * the monitor's total must have grown by exactly the 200s (none counted
 * twice). Memory of every process and the lag must be as high in the last
 * quarter as in the first, give or take the slack.
 */
export async function soak(
  ctx: PhaseContext,
  o: { rps: number; seconds: number; idCheckLimit: number; rssGrowthMb: number },
): Promise<Soak> {
  const before = await drainMonitor(ctx);
  if (!before.drained) ctx.say(`soak: the monitor is still ${before.lag} behind from the steps; counting from here`);
  const countedBefore = await ctx.probe.countedEventually();
  const firstId = ctx.client.answeredIds.length;
  const memory = new MemorySampler(ctx.platform);
  memory.start(Math.max(1000, (o.seconds * 1000) / 60));
  const cpuBefore = cpuByProcess(ctx.platform);
  const start = performance.now();
  let end = start + o.seconds * 1000;
  const load = await openLoop({
    rps: o.rps,
    seconds: o.seconds,
    maxInFlight: ctx.limits.maxInFlight,
    call: ctx.client.call,
    onScheduleEnd: () => (end = performance.now()),
  });
  memory.stop();
  const cpu = cpuSpent(cpuBefore, cpuByProcess(ctx.platform));
  ctx.say(`soak: ${load.outcomes['200'] ?? 0} answered at ${o.rps} rps; waiting for the monitor`);

  const drain = await drainMonitor(ctx);
  const counted = (await ctx.probe.countedEventually()) - countedBefore;
  const ids = ctx.client.answeredIds.slice(firstId);
  const checked = sample(ids, o.idCheckLimit);
  const { missing, unanswered } = await ctx.probe.uncounted(checked, { concurrency: 8 });
  const lost = checked.length === ids.length ? missing.length : Math.max(missing.length, ids.length - counted);

  const quarter = (end - start) / 4;
  const first = ctx.probe.meanLag(start, start + quarter);
  const last = ctx.probe.meanLag(end - quarter, end);
  const allowed = Math.max(1, Math.round(o.rps * ctx.limits.lagSlackSeconds));
  const memoryTrend = memory.trend();
  const slo = await ctx.platform.apps
    .monitor!.fetchApp('/v1/monitor/models/sensor-anomaly/slo')
    .then((r) => r.json())
    .catch((err: Error) => ({ error: err.message }));
  return {
    target_rps: o.rps,
    load,
    answered: ids.length,
    counted,
    lost,
    ids_checked: checked.length,
    id_checks_failed: unanswered,
    missing_ids: missing.slice(0, 20),
    double_counted: Math.max(0, counted - (ids.length - lost)),
    lag: {
      first_quarter: first,
      last_quarter: last,
      growth_allowed: allowed,
      flat: first !== null && last !== null && last - first <= allowed,
      series: ctx.probe.samples
        .filter((s) => s.at >= start && s.at <= end)
        .map((s) => [Math.round((s.at - start) / 100) / 10, s.lag]),
    },
    memory: memoryTrend,
    memory_flat: Object.values(memoryTrend).every((m) => m.growth_mb <= o.rssGrowthMb),
    cpu_s: cpu,
    drain,
    monitor_slo: slo,
  };
}
