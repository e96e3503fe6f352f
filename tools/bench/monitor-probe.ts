import { PredictionCounts } from '@meridian/contracts';
import type { RunningApp } from '@meridian/platform';

export interface LagSample {
  /** performance.now() when the count was asked for. */
  at: number;
  answered: number;
  counted: number;
  /** Answered predictions the monitor has not counted yet. */
  lag: number;
}

export interface Drain {
  /** Every answered prediction counted and no request left in flight. */
  drained: boolean;
  seconds: number;
  /** Lag when the wait ended (0 when drained). */
  lag: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Watches the monitor's prediction counter (`GET /v1/monitor/predictions` on
 * the monitor's own port) against the client's count of 200s. The lag is
 * answered minus counted; `answered` is read before the monitor is asked,
 * so a sample never shows more lag than there was.
 */
export class MonitorProbe {
  readonly samples: LagSample[] = [];
  failures = 0;
  private baseline = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly o: { monitor: RunningApp; answered: () => number; intervalMs: number; timeoutMs?: number },
  ) {}

  /** Predictions the monitor counted since `settle`. */
  async counted(): Promise<number> {
    const res = await this.o.monitor.fetchApp('/v1/monitor/predictions', {
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new Error(`GET /v1/monitor/predictions: ${res.status} ${(await res.text()).slice(0, 200)}`);
    return PredictionCounts.parse(await res.json()).total - this.baseline;
  }

  /** `counted()`, asked again (up to `attempts` times, 1 s apart) while the monitor is too busy to answer. */
  async countedEventually(attempts = 10): Promise<number> {
    for (let i = 1; ; i++) {
      try {
        return await this.counted();
      } catch (err) {
        if (i >= attempts) throw err;
        await sleep(1000);
      }
    }
  }

  /**
   * Counts from zero once the monitor's total has not moved for `quietMs`: a
   * shared broker or state store may hold counts and events of earlier runs.
   */
  async settle(o: { quietMs: number; timeoutMs: number }): Promise<void> {
    const deadline = performance.now() + o.timeoutMs;
    let last = await this.countedEventually();
    let since = performance.now();
    while (performance.now() - since < o.quietMs && performance.now() < deadline) {
      await sleep(250);
      const now = await this.counted();
      if (now !== last) [last, since] = [now, performance.now()];
    }
    this.baseline += last;
  }

  async sample(): Promise<LagSample | undefined> {
    const at = performance.now();
    const answered = this.o.answered();
    try {
      const counted = await this.counted();
      const s = { at, answered, counted, lag: answered - counted };
      this.samples.push(s);
      return s;
    } catch {
      this.failures += 1;
      return undefined;
    }
  }

  /** Samples every intervalMs until stop(); a slow answer skips ticks rather than piling up requests. */
  start(): void {
    this.timer ??= setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.sample().finally(() => (this.busy = false));
    }, this.o.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Mean lag of the samples taken in [from, to]; the sample nearest the window when none was. */
  meanLag(from: number, to: number): number | null {
    const inside = this.samples.filter((s) => s.at >= from && s.at <= to);
    if (inside.length) return Math.round(inside.reduce((sum, s) => sum + s.lag, 0) / inside.length);
    const middle = (from + to) / 2;
    const nearest = [...this.samples].sort((a, b) => Math.abs(a.at - middle) - Math.abs(b.at - middle))[0];
    return nearest ? nearest.lag : null;
  }

  /**
   * Waits until every answered prediction is counted and `settled()` says no
   * request is still out; gives up after `timeoutMs`, or after `stallMs`
   * without the count moving.
   */
  async drain(o: { settled: () => boolean; timeoutMs: number; stallMs: number }): Promise<Drain> {
    const started = performance.now();
    let last = -1;
    let movedAt = started;
    let lag = Number.NaN;
    for (;;) {
      const s = await this.sample();
      const now = performance.now();
      if (s) {
        lag = s.lag;
        if (s.counted !== last) [last, movedAt] = [s.counted, now];
        if (o.settled() && s.lag <= 0) return { drained: true, seconds: (now - started) / 1000, lag: 0 };
      }
      if (now - started > o.timeoutMs || (o.settled() && now - movedAt > o.stallMs))
        return { drained: false, seconds: (now - started) / 1000, lag };
      await sleep(200);
    }
  }

  /** Of these ids, the ones the monitor says it has not counted (`GET /v1/monitor/predictions/{id}`). */
  async uncounted(
    ids: readonly string[],
    o: { concurrency: number },
  ): Promise<{ missing: string[]; unanswered: number }> {
    const missing: string[] = [];
    let unanswered = 0;
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          const res = await this.o.monitor.fetchApp(`/v1/monitor/predictions/${encodeURIComponent(id)}`, {
            signal: AbortSignal.timeout(10_000),
          });
          const body = (await res.json()) as { counted?: unknown };
          if (!res.ok) unanswered += 1;
          else if (body.counted !== true) missing.push(id);
        } catch {
          unanswered += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    return { missing, unanswered };
  }
}
