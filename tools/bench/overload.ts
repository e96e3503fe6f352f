import type { Drain } from './monitor-probe.ts';
import { openLoop, refusedCount, type OpenLoopResult } from './open-loop.ts';
import { drainMonitor, round1, type PhaseContext } from './phase-context.ts';

export interface Overload {
  target_rps: number;
  load: OpenLoopResult;
  /** Answers 429 or 503 (load.refused has the time from send to that answer). */
  refused: number;
  /** Gateway /readyz polls (every 500 ms) that were not 200 while the overload ran. */
  readyz_not_ok_during: number;
  /** From the last scheduled request to the first 200 of the gateway's /readyz; null if it never came. */
  readyz_s: number | null;
  /** From the last scheduled request until the monitor had counted every answered prediction. */
  drain: Drain;
  verdict: { sheds_within_target: boolean | null; recovers_within_target: boolean };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readyzOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Seconds from now until the gateway's /readyz answers 200 (polled every 100 ms); null after timeoutMs. */
async function secondsUntilReady(url: string, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await readyzOk(url)) return round1((performance.now() - started) / 1000);
    await sleep(100);
  }
  return null;
}

/**
 * Runs `rps` (twice the sustainable rate) for `seconds`: how many requests
 * the platform refuses (429/503) and how fast, what the admitted ones wait,
 * then how long after the overload the gateway is ready again and the
 * monitor has caught up with every answered prediction.
 */
export async function overload(
  ctx: PhaseContext,
  o: { rps: number; seconds: number; shedTargetMs: number; recoveryTargetS: number },
): Promise<Overload> {
  const gateway = ctx.platform.gatewayUrl;
  let running = true;
  let notOk = 0;
  const watch = (async () => {
    while (running) {
      if (!(await readyzOk(gateway))) notOk += 1;
      await sleep(500);
    }
  })();
  let recovery: Promise<[number | null, Drain]> | undefined;
  const load = await openLoop({
    rps: o.rps,
    seconds: o.seconds,
    maxInFlight: ctx.limits.maxInFlight,
    call: ctx.client.call,
    onScheduleEnd: () => {
      running = false;
      recovery = Promise.all([secondsUntilReady(gateway, ctx.limits.drainTimeoutMs), drainMonitor(ctx)]);
    },
  });
  await watch;
  const [readyzS, drain] = await recovery!;
  const refused = refusedCount(load);
  const shedP99 = load.refused.p99_ms;
  return {
    target_rps: o.rps,
    load,
    refused,
    readyz_not_ok_during: notOk,
    readyz_s: readyzS,
    drain,
    verdict: {
      sheds_within_target: shedP99 === null ? null : shedP99 <= o.shedTargetMs,
      recovers_within_target:
        readyzS !== null && readyzS <= o.recoveryTargetS && drain.drained && drain.seconds <= o.recoveryTargetS,
    },
  };
}
