import type { Drain } from './monitor-probe.ts';
import { failedShare, openLoop, type OpenLoopResult } from './open-loop.ts';
import { drainMonitor, round1, type PhaseContext } from './phase-context.ts';

export interface Step {
  target_rps: number;
  answered_rps: number;
  load: OpenLoopResult;
  /** Mean lag over the middle fifth of the step and over its last tenth. */
  lag_mid: number | null;
  lag_end: number | null;
  lag_growth_allowed: number;
  failed_share: number;
  verdict: { p99_within_slo: boolean; failures_within_limit: boolean; lag_bounded: boolean; sustainable: boolean };
  /** The wait for the monitor after the step, so the next step starts without a backlog. */
  drain: Drain;
}

/** One rate for `seconds`, judged by admitted p99, failures and whether the monitor's lag grew from the middle to the end. */
export async function runStep(ctx: PhaseContext, o: { rps: number; seconds: number }): Promise<Step> {
  const { limits } = ctx;
  const start = performance.now();
  let end = start + o.seconds * 1000;
  const load = await openLoop({
    rps: o.rps,
    seconds: o.seconds,
    maxInFlight: limits.maxInFlight,
    call: ctx.client.call,
    onScheduleEnd: () => (end = performance.now()),
  });
  const span = end - start;
  const lagMid = ctx.probe.meanLag(start + 0.4 * span, start + 0.6 * span);
  const lagEnd = ctx.probe.meanLag(start + 0.9 * span, end);
  const allowed = Math.max(1, Math.round(o.rps * limits.lagSlackSeconds));
  const failed = failedShare(load);
  const p99 = load.admitted.p99_ms !== null && load.admitted.p99_ms <= limits.sloP99Ms;
  const failures = failed <= limits.maxErrorRate;
  const lag = lagMid !== null && lagEnd !== null && lagEnd - lagMid <= allowed;
  const drain = await drainMonitor(ctx);
  return {
    target_rps: o.rps,
    answered_rps: round1((load.outcomes['200'] ?? 0) / o.seconds),
    load,
    lag_mid: lagMid,
    lag_end: lagEnd,
    lag_growth_allowed: allowed,
    failed_share: Math.round(failed * 10_000) / 10_000,
    verdict: {
      p99_within_slo: p99,
      failures_within_limit: failures,
      lag_bounded: lag,
      sustainable: p99 && failures && lag,
    },
    drain,
  };
}

export interface Search {
  /** The highest rate found sustainable; null when even the lowest tried was not. */
  sustainable_rps: number | null;
  steps: Step[];
}

/** Where the search stands: the highest sustainable rate so far (0: none), the lowest unsustainable (Infinity: none), the rate just tried. */
export interface SearchState {
  good: number;
  bad: number;
  rps: number;
  bisected: number;
}

/**
 * The state after a step at `s.rps`, with the next rate to try in `rps`, or
 * undefined when the search is over. Up by `growth` until a rate fails (or
 * `maxRps`), then halfway between the highest good and the lowest bad rate,
 * `bisections` times; a failing first rate bisects between 0 and it.
 */
export function nextRate(
  s: SearchState,
  sustainable: boolean,
  o: { growth: number; maxRps: number; bisections: number },
): SearchState | undefined {
  const good = sustainable ? Math.max(s.good, s.rps) : s.good;
  const bad = sustainable ? s.bad : Math.min(s.bad, s.rps);
  if (bad === Number.POSITIVE_INFINITY) {
    if (s.rps >= o.maxRps) return undefined;
    return {
      good,
      bad,
      bisected: s.bisected,
      rps: Math.min(o.maxRps, Math.max(s.rps + 1, Math.round(s.rps * o.growth))),
    };
  }
  const middle = Math.round((good + bad) / 2);
  if (s.bisected >= o.bisections || middle <= good || middle >= bad) return undefined;
  return { good, bad, bisected: s.bisected + 1, rps: middle };
}

function describe(step: Step): string {
  const v = step.verdict;
  const verdict = v.sustainable
    ? 'sustainable'
    : `not sustainable (${Object.entries(v)
        .filter(([k, ok]) => !ok && k !== 'sustainable')
        .map(([k]) => k)
        .join(', ')})`;
  const monitor = step.drain.drained
    ? `drained in ${step.drain.seconds.toFixed(1)} s`
    : `still ${step.drain.lag} behind after ${step.drain.seconds.toFixed(0)} s`;
  return (
    `step ${step.target_rps} rps: answered ${step.answered_rps}/s, admitted p99 ${step.load.admitted.p99_ms} ms, failed ${(step.failed_share * 100).toFixed(2)} %, ` +
    `lag ${step.lag_mid} → ${step.lag_end} (allowed +${step.lag_growth_allowed}) → ${verdict}; monitor ${monitor}`
  );
}

/** Steps through the rates `nextRate` picks, at most `maxSteps` of them; the sustainable rate is the highest that passed. */
export async function findSustainableRate(
  ctx: PhaseContext,
  o: { startRps: number; growth: number; maxRps: number; bisections: number; stepSeconds: number; maxSteps: number },
): Promise<Search> {
  const steps: Step[] = [];
  let state: SearchState | undefined = { good: 0, bad: Number.POSITIVE_INFINITY, rps: o.startRps, bisected: 0 };
  while (state && steps.length < o.maxSteps) {
    const step = await runStep(ctx, { rps: state.rps, seconds: o.stepSeconds });
    steps.push(step);
    ctx.say(describe(step));
    state = nextRate(state, step.verdict.sustainable, o);
  }
  const passed = steps.filter((s) => s.verdict.sustainable).map((s) => s.target_rps);
  return { sustainable_rps: passed.length ? Math.max(...passed) : null, steps };
}
