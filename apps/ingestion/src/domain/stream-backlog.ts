import type { ConsumerProgress, IngestBacklog } from '@meridian/contracts';
import { rootLogger } from '@meridian/service-kit';
import { BacklogEstimate } from './backlog-estimate.ts';
import type { ConsumerProgressSource, StatsStore } from './ports.ts';

/** Retry-After when no processing rate has been measured (or the consumer stalled): soon enough to notice it resume. */
const UNMEASURED_RETRY_AFTER_S = 5;
const MAX_RETRY_AFTER_S = 60;

export type Admission = { ok: true; done(): void } | { ok: false; backlog: IngestBacklog };

export interface BacklogSnapshot {
  stream: string;
  /** What a batch is measured against: the estimate plus this replica's batches not yet in it. */
  records: number;
  /** Whether the latest measurement succeeded. */
  source_up: boolean;
  /** Batches are taken without a bound: nothing was measured for BACKLOG_FAIL_OPEN_MS. */
  failing_open: boolean;
  refusals: number;
  processed: number;
  written_off: number;
}

export interface StreamBacklogOptions {
  stream: string;
  source: ConsumerProgressSource;
  stats: Pick<StatsStore, 'get'>;
  maxRecords: number;
  failOpenMs: number;
  idleResetMs: number;
  now: () => number;
}

/** One bounded stream: its measured backlog, the batches admitted since, and what to answer a batch. */
export class StreamBacklog {
  private readonly estimate: BacklogEstimate;
  private readonly since: number;
  /** Records of the batches this replica admitted, and of those answered since. */
  private admitted = 0;
  private done = 0;
  /** `done` when the latest good sample began: batches answered later may be missing from its totals. */
  private doneAtSample = 0;
  private lastGoodAt: number | undefined;
  private up: boolean | undefined;
  private ratePerS = 0;
  private refusals = 0;
  private processed = 0;
  private writtenOff = 0;

  constructor(private readonly o: StreamBacklogOptions) {
    this.since = o.now();
    this.estimate = new BacklogEstimate({ since: this.since, idleResetMs: o.idleResetMs });
  }

  /** Takes a batch if it fits under the bound, or whole when nothing is waiting (a batch over the bound fits no other way). */
  admit(records: number): Admission {
    const max = this.o.maxRecords;
    const waiting = this.waiting();
    if (!this.fits(records)) {
      this.refusals += 1;
      // Room for the batch: the backlog down to max − records, or to nothing for a batch over the bound.
      const excess = waiting + Math.min(records, max) - max;
      const seconds =
        this.ratePerS > 0 ? Math.min(MAX_RETRY_AFTER_S, Math.ceil(excess / this.ratePerS)) : UNMEASURED_RETRY_AFTER_S;
      return {
        ok: false,
        backlog: {
          stream: this.o.stream,
          records: waiting,
          max_records: max,
          batch_records: records,
          retry_after_seconds: Math.max(1, seconds),
        },
      };
    }
    this.admitted += records;
    let answered = false;
    return {
      ok: true,
      done: () => {
        if (answered) return;
        answered = true;
        this.done += records;
      },
    };
  }

  /** Whether a batch of `records` would be taken now (admit without taking it). */
  fits(records: number): boolean {
    const waiting = this.waiting();
    return waiting <= 0 || waiting + records <= this.o.maxRecords || this.failingOpen();
  }

  /** Reads the stream's accepted total and its consumer's progress, and folds them in; never throws. */
  async sample(): Promise<void> {
    const { stream } = this.o;
    const doneAtStart = this.done;
    const at = this.o.now();
    let accepted: number;
    let consumer: ConsumerProgress;
    try {
      [{ accepted }, consumer] = await Promise.all([this.o.stats.get(stream), this.o.source.progress()]);
    } catch (err) {
      if (this.up !== false)
        rootLogger().warn(
          { stream, err: (err as Error).message, fail_open_after_ms: this.o.failOpenMs },
          'backlog not measured: its source is unreachable; batches are taken without a bound if this lasts',
        );
      this.up = false;
      return;
    }
    const { processed, writtenOff } = this.estimate.observe({ accepted, consumer, at });
    if (this.lastGoodAt !== undefined && at > this.lastGoodAt) {
      const rate = processed / ((at - this.lastGoodAt) / 1000);
      this.ratePerS = this.ratePerS > 0 ? (this.ratePerS + rate) / 2 : rate;
    }
    if (this.up === false) rootLogger().info({ stream }, 'backlog measured again; its bound applies');
    this.up = true;
    this.lastGoodAt = at;
    this.doneAtSample = doneAtStart;
    this.processed += processed;
    this.writtenOff += writtenOff;
    if (writtenOff)
      rootLogger().warn(
        { stream, written_off: writtenOff, idle_ms: this.o.idleResetMs },
        'records accepted but never processed (the consumer stayed idle with them counted as waiting): written off',
      );
  }

  snapshot(): BacklogSnapshot {
    return {
      stream: this.o.stream,
      records: this.waiting(),
      source_up: this.up === true,
      failing_open: this.failingOpen(),
      refusals: this.refusals,
      processed: this.processed,
      written_off: this.writtenOff,
    };
  }

  private waiting(): number {
    return this.estimate.records + this.admitted - this.doneAtSample;
  }

  private failingOpen(): boolean {
    return this.o.now() - (this.lastGoodAt ?? this.since) >= this.o.failOpenMs;
  }
}
