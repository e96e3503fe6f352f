import type { PredictionLag } from '@meridian/contracts';
import { bucketOf, lagSummary } from './lag-histogram.ts';

/** The window moves a slot at a time: this many slots make it up. */
const SLOTS = 30;

interface Slot {
  index: number;
  buckets: Map<number, number>;
  count: number;
  max: number;
  duplicates: number;
}

/**
 * The lag of prediction events, from the `ts` they carry to this monitor
 * taking them in, over the latest `windowSeconds` (to a thirtieth of it),
 * with the pipeline ledger's histogram in each slot of the window. Kept in
 * this process's memory, on purpose: it is this replica's view (another
 * replica, or this one after a restart, reports its own), which is what a
 * lag metric needs, and it costs no state write per event.
 */
export class EventLag {
  private readonly slots: Slot[] = [];
  private last = 0;

  constructor(private readonly opts: { windowSeconds: number; clock?: () => number }) {}

  private get slotMs(): number {
    return (this.opts.windowSeconds * 1000) / SLOTS;
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  private slotAt(now: number): Slot {
    const index = Math.floor(now / this.slotMs);
    let slot = this.slots.at(-1);
    if (!slot || slot.index < index) {
      slot = { index, buckets: new Map(), count: 0, max: 0, duplicates: 0 };
      this.slots.push(slot);
    }
    return slot;
  }

  /** Counts deliveries of events already taken in (pub/sub delivers at least once). */
  duplicates(n: number): void {
    if (n <= 0) return;
    const now = this.now();
    this.slotAt(now).duplicates += n;
    this.prune(now);
  }

  /** Measures one event as taken in now. */
  observe(ts: string): void {
    const now = this.now();
    const sent = Date.parse(ts);
    if (!Number.isFinite(sent)) return;
    // Hosts' clocks differ: an event stamped later than now counts as no lag rather than a negative one.
    const ms = Math.max(0, now - sent);
    const slot = this.slotAt(now);
    const b = bucketOf(ms);
    slot.buckets.set(b, (slot.buckets.get(b) ?? 0) + 1);
    slot.count += 1;
    slot.max = Math.max(slot.max, ms);
    this.last = ms;
    this.prune(now);
  }

  report(): PredictionLag {
    this.prune(this.now());
    const buckets = new Map<number, number>();
    let count = 0;
    let max = 0;
    let duplicates = 0;
    for (const slot of this.slots) {
      duplicates += slot.duplicates;
      for (const [b, n] of slot.buckets) buckets.set(b, (buckets.get(b) ?? 0) + n);
      count += slot.count;
      max = Math.max(max, slot.max);
    }
    // The latest event is in the newest slot, so it is in the window whenever any event is.
    return {
      events: count,
      duplicates,
      lag_ms: { ...lagSummary({ buckets, count, max }), last: count ? this.last : null },
      window_seconds: this.opts.windowSeconds,
    };
  }

  private prune(now: number): void {
    const oldest = Math.floor(now / this.slotMs) - SLOTS + 1;
    while (this.slots.length && this.slots[0]!.index < oldest) this.slots.shift();
  }
}
