import type { Platform } from '@meridian/platform';
import type { Drain, MonitorProbe } from './monitor-probe.ts';
import type { PredictionClient } from './prediction-client.ts';

/** What every phase of bench:load runs against, and the limits it judges by. */
export interface PhaseContext {
  platform: Platform;
  client: PredictionClient;
  probe: MonitorProbe;
  say: (message: string) => void;
  limits: {
    /** Admitted (200) requests' p99 must stay at or under this. */
    sloP99Ms: number;
    /** Share of scheduled requests without a 200 (shed by the client included) a sustainable rate may have. */
    maxErrorRate: number;
    /** The lag may grow by this many seconds' worth of requests between a step's middle and its end. */
    lagSlackSeconds: number;
    maxInFlight: number;
    drainTimeoutMs: number;
    /** A drain gives up when the monitor's count has not moved for this long. */
    stallMs: number;
  };
}

/** Waits for the monitor to count every answered prediction (see MonitorProbe.drain). */
export function drainMonitor(ctx: PhaseContext, timeoutMs = ctx.limits.drainTimeoutMs): Promise<Drain> {
  return ctx.probe.drain({ settled: () => ctx.client.inFlight === 0, timeoutMs, stallMs: ctx.limits.stallMs });
}

export const round1 = (x: number) => Math.round(x * 10) / 10;
