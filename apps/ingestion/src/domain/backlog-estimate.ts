import type { ConsumerProgress } from '@meridian/contracts';

/** Consumer processes remembered: a few restarts and replicas' worth, bounded however many come and go. */
const REMEMBERED_INSTANCES = 32;

export interface BacklogSample {
  /** The stream's accepted total over every ingestion replica (its stats in the state store). */
  accepted: number;
  consumer: ConsumerProgress;
  /** When the sample was taken (epoch ms). */
  at: number;
}

/**
 * One stream's records accepted but not yet processed, from samples of two
 * running totals: what ingestion accepted and what the consumer answered for
 * good. Each sample adds what was accepted since the last one and takes away
 * what was processed since. The consumer's count lives in its memory and
 * starts again with each process (`instance`): a process seen before counts
 * from where it was, one started while we were watching counts whole, and one
 * older than that only from now (what it did before was before our totals).
 *
 * The difference is not clamped at zero between samples: the consumer may
 * report records before the stats write that counts them has landed, and
 * clamping would turn that race into a lasting excess. What can drift for
 * good (records lost at the broker or never delivered, a consumer that died
 * between samples, a redelivery counted twice) is reset when the consumer
 * has been idle for `idleResetMs`: with nothing in flight and nothing
 * processed for that long, the broker holds nothing more for it, so whatever
 * is still counted as waiting will never be processed. Those records are
 * answered as written off, for the alert.
 */
export class BacklogEstimate {
  private unprocessed = 0;
  private accepted: number | undefined;
  private readonly consumed = new Map<string, number>();
  private lastProgressAt: number;

  constructor(private readonly o: { since: number; idleResetMs: number }) {
    this.lastProgressAt = o.since;
  }

  /** Accepted records not yet processed, as of the latest sample. */
  get records(): number {
    return Math.max(0, this.unprocessed);
  }

  /** Folds a sample in: answers the records processed since the previous one, and those written off now. */
  observe(s: BacklogSample): { processed: number; writtenOff: number } {
    // The first sample is the baseline: what was accepted before it is not known to be waiting.
    const accepted = this.accepted === undefined ? 0 : Math.max(0, s.accepted - this.accepted);
    this.accepted = s.accepted;
    const { instance, consumed, in_flight: inFlight } = s.consumer;
    const before = this.consumed.get(instance);
    const processed =
      before !== undefined
        ? Math.max(0, consumed - before)
        : Date.parse(s.consumer.started_at) >= this.o.since
          ? consumed
          : 0;
    this.remember(instance, consumed);
    this.unprocessed += accepted - processed;
    // A process seen for the first time gets a whole idle period before anything is written off.
    if (processed > 0 || inFlight > 0 || before === undefined) this.lastProgressAt = s.at;
    if (this.unprocessed === 0 || s.at - this.lastProgressAt < this.o.idleResetMs) return { processed, writtenOff: 0 };
    const writtenOff = Math.max(0, this.unprocessed);
    this.unprocessed = 0;
    // A consumer that gets nothing at all (a wedged subscription) loses at most a bound's worth per idle period.
    this.lastProgressAt = s.at;
    return { processed, writtenOff };
  }

  private remember(instance: string, consumed: number): void {
    this.consumed.delete(instance);
    this.consumed.set(instance, consumed);
    if (this.consumed.size > REMEMBERED_INSTANCES) this.consumed.delete(this.consumed.keys().next().value!);
  }
}
