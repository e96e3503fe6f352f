import type { ConsumerProgressSource, StatsStore } from './ports.ts';
import { StreamBacklog, type Admission, type BacklogSnapshot } from './stream-backlog.ts';

export type { Admission, BacklogSnapshot } from './stream-backlog.ts';

const OPEN: Admission = { ok: true, done: () => undefined };

/**
 * Ingestion's backpressure: a batch of a stream is taken only while the
 * stream's backlog (records accepted but not yet processed by its consumer)
 * leaves room for it, so a broker that drops what its consumer has not taken
 * (Mosquitto's queue of 1000 per client) is never handed more than it keeps.
 * The backlog is measured in the background, once per interval however many
 * batches arrive; between measurements the batches this replica admitted
 * count in full at once. A batch is refused whole, before anything of it is
 * published. When nothing could be measured for `failOpenMs` (the consumer
 * or the store is unreachable), batches are taken without a bound: a missing
 * consumer must not stop ingestion for good. A batch that does not fit may
 * wait up to `waitMs` for measurements that make room (admitWaiting) before
 * it is refused: a client is answered as soon as its batch fits, instead of
 * after a Retry-After of whole seconds.
 */
export class Backpressure {
  private readonly streams = new Map<string, StreamBacklog>();
  private refreshing: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly waitMs: number;
  private readonly now: () => number;
  /** Batches waiting for the measurement in progress, or the next one, to end. */
  private sampleWaiters: (() => void)[] = [];

  constructor(o: {
    /** The bounded streams and where their consumer's progress comes from; other streams are never refused. */
    sources: Record<string, ConsumerProgressSource>;
    stats: Pick<StatsStore, 'get'>;
    /** 0 turns backpressure off. */
    maxRecords: number;
    failOpenMs: number;
    idleResetMs: number;
    now: () => number;
    /** How long a batch that does not fit may wait for room before it is refused (0: refused at once). */
    waitMs?: number;
  }) {
    this.waitMs = o.waitMs ?? 0;
    this.now = o.now;
    if (o.maxRecords <= 0) return;
    for (const [stream, source] of Object.entries(o.sources))
      this.streams.set(stream, new StreamBacklog({ ...o, stream, source }));
  }

  /** Whether a batch of `records` of `stream` is taken now; a taken batch calls `done` once it is answered. */
  admit(o: { stream: string; records: number }): Admission {
    return this.streams.get(o.stream)?.admit(o.records) ?? OPEN;
  }

  /**
   * As admit, but a batch that does not fit waits for the next measurements,
   * up to `waitMs`, and is taken as soon as one makes room for it.
   */
  async admitWaiting(o: { stream: string; records: number }): Promise<Admission> {
    const stream = this.streams.get(o.stream);
    if (!stream) return OPEN;
    const deadline = this.now() + this.waitMs;
    while (!stream.fits(o.records) && this.now() < deadline) await this.nextSample(deadline - this.now());
    return stream.admit(o.records);
  }

  /** Resolves when the measurement in progress, or the next one, ends, or after `ms` at most. */
  private nextSample(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timeout = setTimeout(resolve, ms);
      this.sampleWaiters.push(() => {
        clearTimeout(timeout);
        resolve();
      });
    });
  }

  /** Measures every bounded stream once; while a measurement runs, another call waits for it instead of asking again. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        await Promise.all([...this.streams.values()].map((s) => s.sample()));
      } finally {
        this.refreshing = undefined;
        for (const resolve of this.sampleWaiters.splice(0)) resolve();
      }
    })();
    return this.refreshing;
  }

  /** Measures every `everyMs` until stop(); a tick that finds the previous measurement still running adds nothing. */
  start(o: { everyMs: number }): void {
    if (this.timer || !this.streams.size) return;
    this.timer = setInterval(() => void this.refresh(), o.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  snapshot(): BacklogSnapshot[] {
    return [...this.streams.values()].map((s) => s.snapshot());
  }
}
