import type { ServerResponse } from 'node:http';

/** Time and one-shot timers, injected so tests drive both. */
export interface LimitClock {
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: LimitClock = {
  now: () => performance.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** How far the limit may move, and where it starts; min = max is a fixed limit. */
export interface LimitBounds {
  min: number;
  max: number;
  initial: number;
}

export interface ConcurrencyLimitOptions {
  /** Names the limit in logs and snapshots (a route class, a model). */
  name: string;
  bounds: LimitBounds;
  /** Longest a request waits for a slot before it is shed; 0 sheds at once. */
  queueTimeoutMs: number;
  /** Most requests waiting at once; past it a request is shed at once. */
  queueMax: number;
  /** Latency up to tolerance × the baseline counts as no queueing (default 2). */
  tolerance?: number;
  /** Weight of each new estimate against the current limit (default 0.2). */
  smoothing?: number;
  /** The baseline is the least latency seen in the current and the previous window (default 10 s). */
  baselineWindowMs?: number;
  /** The limit is multiplied by this when the work behind says it is overloaded (default 0.9). */
  backoff?: number;
  clock?: LimitClock;
  /** For a log line: called when the limit has moved by a tenth or reached a bound since the last call, and when shedding (re)starts. */
  onChange?: (snapshot: LimitSnapshot) => void;
}

/** success: a latency sample; dropped: the work behind is overloaded (back off); ignored: says nothing about load. */
export type Outcome = 'success' | 'dropped' | 'ignored';

/** A slot; release it exactly once when the answer is sent (later calls do nothing). */
export interface Permit {
  release(outcome: Outcome): void;
}

export interface LimitSnapshot {
  name: string;
  limit: number;
  inflight: number;
  queued: number;
  /** Requests refused since start (queue full or waited too long). */
  shed: number;
}

/** 2xx/3xx are samples; the statuses in `overload` mean back off; the rest (fast refusals, bugs) are ignored. */
export function outcomeOf(status: number, overload: readonly number[] = [503, 504]): Outcome {
  if (status < 400) return 'success';
  return overload.includes(status) ? 'dropped' : 'ignored';
}

/** Holds the permit for the life of the response; one closed before it got the slot lets it go at once. */
export function releaseWhenAnswered(o: { res: ServerResponse; permit: Permit; overload?: readonly number[] }): void {
  const { res, permit } = o;
  if (res.closed) {
    permit.release('ignored');
    return;
  }
  res.once('finish', () => permit.release(outcomeOf(res.statusCode, o.overload)));
  res.once('close', () => permit.release('ignored'));
}

interface Waiter {
  resolve(permit: Permit | undefined): void;
  cancel(): void;
}

/**
 * An adaptive concurrency limit, after the gradient limiter of Netflix's
 * concurrency-limits. Each answered request is a latency sample. Latency up
 * to `tolerance` × the baseline (the least latency seen lately) means no
 * queue behind us: the limit grows by about √limit × smoothing per sample.
 * Above it the limit is scaled by baseline × tolerance / latency (at most
 * halved per step, then smoothed), so it shrinks as queues build. A limit
 * that is less than half used learns nothing (no growth on idle capacity).
 * At the limit a request waits in a short FIFO queue for a freed slot, then
 * is shed: refusing fast keeps the admitted requests' latency.
 */
export class ConcurrencyLimit {
  private estimate: number;
  private inflight = 0;
  private shedCount = 0;
  private readonly waiters: Waiter[] = [];
  private readonly clock: LimitClock;
  private baseline = { current: Infinity, previous: Infinity, since: 0 };
  private reported = { limit: 0, shed: 0, shedding: false };

  constructor(private readonly opts: ConcurrencyLimitOptions) {
    const { min, max, initial } = opts.bounds;
    if (!(Number.isInteger(min) && min >= 1 && min <= initial && initial <= max))
      throw new Error(
        `concurrency limit ${opts.name}: need 1 <= min <= initial <= max (got ${min}, ${initial}, ${max})`,
      );
    this.estimate = initial;
    this.reported.limit = initial;
    this.clock = opts.clock ?? systemClock;
    this.baseline.since = this.clock.now();
  }

  get limit(): number {
    return Math.floor(this.estimate);
  }

  snapshot(): LimitSnapshot {
    return {
      name: this.opts.name,
      limit: this.limit,
      inflight: this.inflight,
      queued: this.waiters.length,
      shed: this.shedCount,
    };
  }

  /** A slot now, or within queueTimeoutMs; undefined when the request is shed. */
  acquire(): Promise<Permit | undefined> {
    if (this.inflight < this.limit && !this.waiters.length) return Promise.resolve(this.grant());
    if (this.waiters.length >= this.opts.queueMax || this.opts.queueTimeoutMs <= 0) return Promise.resolve(this.shed());
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, cancel: () => undefined };
      waiter.cancel = this.clock.after(this.opts.queueTimeoutMs, () => {
        const at = this.waiters.indexOf(waiter);
        if (at < 0) return;
        this.waiters.splice(at, 1);
        resolve(this.shed());
      });
      this.waiters.push(waiter);
    });
  }

  private shed(): undefined {
    this.shedCount += 1;
    if (!this.reported.shedding) this.report();
    return undefined;
  }

  private report(): void {
    this.reported = { limit: this.limit, shed: this.shedCount, shedding: this.shedCount > this.reported.shed };
    this.opts.onChange?.(this.snapshot());
  }

  private grant(): Permit {
    this.inflight += 1;
    const started = this.clock.now();
    const inflightAtStart = this.inflight;
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        this.inflight -= 1;
        if (outcome === 'success') this.sample(this.clock.now() - started, inflightAtStart);
        else if (outcome === 'dropped') this.setEstimate(this.estimate * (this.opts.backoff ?? 0.9));
        this.drain();
      },
    };
  }

  /** Freed slots go to the oldest waiters first. */
  private drain(): void {
    while (this.waiters.length && this.inflight < this.limit) {
      const waiter = this.waiters.shift()!;
      waiter.cancel();
      waiter.resolve(this.grant());
    }
  }

  private sample(latency: number, inflight: number): void {
    const baseline = this.observe(latency);
    if (inflight * 2 < this.estimate) return;
    const tolerance = this.opts.tolerance ?? 2;
    const smoothing = this.opts.smoothing ?? 0.2;
    const gradient = latency <= tolerance * baseline ? 1 : Math.max(0.5, (tolerance * baseline) / latency);
    const target = this.estimate * gradient + Math.sqrt(this.estimate);
    this.setEstimate(this.estimate * (1 - smoothing) + target * smoothing);
  }

  /** The least latency of the current and the previous window: it follows a lasting change within two windows. */
  private observe(latency: number): number {
    const windowMs = this.opts.baselineWindowMs ?? 10_000;
    const now = this.clock.now();
    const b = this.baseline;
    if (now - b.since >= windowMs) {
      b.previous = now - b.since >= 2 * windowMs ? Infinity : b.current;
      b.current = Infinity;
      b.since = now;
    }
    b.current = Math.min(b.current, latency);
    return Math.min(b.current, b.previous);
  }

  private setEstimate(value: number): void {
    const { min, max } = this.opts.bounds;
    this.estimate = Math.min(max, Math.max(min, value));
    const last = this.reported.limit;
    if (
      this.limit !== last &&
      (Math.abs(this.limit - last) >= Math.max(1, last / 10) || this.limit === min || this.limit === max)
    )
      this.report();
  }
}
