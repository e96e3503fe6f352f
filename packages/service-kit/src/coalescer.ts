/**
 * Calls through a sidecar that travel together when it is busy (the gateway's
 * infer requests to inference, inference's prediction events to the broker).
 * While fewer than `maxInFlight` calls are out, a call goes alone, at once: a
 * lone call waits for nothing. Once that many are out, calls wait; each time
 * one comes back, the waiting calls leave together, up to `maxItems` and
 * `maxBytes` in one batch call. Under load this trades a call's own trip
 * through the sidecars for a share of one (at c=64 the daprd on the path were
 * most of the CPU); by default no timer is involved, so a batch is as large as
 * the load makes it. With `lingerMs`, a call that could go at once waits that
 * long for company first (or until `maxItems` wait): for calls nobody waits on
 * (events), so that a light, steady load also shares trips instead of making
 * one per call.
 */
export interface CoalescerOptions<I, O> {
  maxInFlight: number;
  maxItems: number;
  /** Most bytes (by `sizeOf`) in one batch; a batch holds at least one call whatever its size. */
  maxBytes: number;
  sizeOf(item: I): number;
  /** One call, as it would go without the coalescer. */
  single(item: I): Promise<O>;
  /** Several calls in one: an outcome per item, in the items' order. Rejects when none can be known. */
  batch(items: I[]): Promise<PromiseSettledResult<O>[]>;
  /** A waiting call nobody waits for any more (its client left): dropped with this error instead of sent. */
  abandoned?(item: I): Error | undefined;
  /** How long a call that could go at once waits for others first; 0 (the default): it goes at once. */
  lingerMs?: number;
}

/** What went out: calls alone, batch calls, the calls those carried, and calls dropped while waiting. */
export interface CoalescerCounts {
  single: number;
  batches: number;
  batched: number;
  abandoned: number;
}

/** Adds `from` into `into` (the totals of several coalescers). */
export function addCoalescerCounts(into: CoalescerCounts, from: CoalescerCounts): void {
  into.single += from.single;
  into.batches += from.batches;
  into.batched += from.batched;
  into.abandoned += from.abandoned;
}

interface Waiting<I, O> {
  item: I;
  resolve(o: O): void;
  reject(err: unknown): void;
}

export class Coalescer<I, O> {
  private inFlight = 0;
  private waiting: Waiting<I, O>[] = [];
  private lingering: NodeJS.Timeout | undefined;
  private whenIdle: (() => void)[] = [];
  readonly counts: CoalescerCounts = { single: 0, batches: 0, batched: 0, abandoned: 0 };

  constructor(private readonly opts: CoalescerOptions<I, O>) {
    if (opts.maxInFlight < 1 || opts.maxItems < 1) throw new Error('maxInFlight and maxItems must be at least 1');
  }

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      const linger = this.opts.lingerMs ?? 0;
      // While a flush waits, nothing lingers: it is waiting for the calls to go.
      if (linger <= 0 || this.waiting.length >= this.opts.maxItems || this.whenIdle.length > 0) this.drain();
      else
        this.lingering ??= setTimeout(() => {
          this.lingering = undefined;
          this.drain();
        }, linger).unref();
    });
  }

  /** Sends what waits now, without lingering, and resolves once nothing is out or waiting (outcomes handed out). */
  flush(): Promise<void> {
    this.drain();
    if (this.idle) return Promise.resolve();
    return new Promise<void>((resolve) => this.whenIdle.push(resolve));
  }

  /** Nothing out and nothing waiting. */
  get idle(): boolean {
    return this.inFlight === 0 && this.waiting.length === 0;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  private drain(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    while (this.inFlight < this.opts.maxInFlight && this.waiting.length > 0) {
      const group = this.take();
      if (group.length) this.send(group);
    }
    if (this.idle) for (const resolve of this.whenIdle.splice(0)) resolve();
  }

  /** The next group: waiting calls in order, abandoned ones dropped, up to maxItems and maxBytes. */
  private take(): Waiting<I, O>[] {
    const group: Waiting<I, O>[] = [];
    let bytes = 0;
    while (this.waiting.length > 0 && group.length < this.opts.maxItems) {
      const next = this.waiting[0]!;
      const gone = this.opts.abandoned?.(next.item);
      if (gone) {
        this.waiting.shift();
        this.counts.abandoned++;
        next.reject(gone);
        continue;
      }
      const size = this.opts.sizeOf(next.item);
      if (group.length > 0 && bytes + size > this.opts.maxBytes) break;
      bytes += size;
      group.push(this.waiting.shift()!);
    }
    return group;
  }

  private send(group: Waiting<I, O>[]): void {
    this.inFlight++;
    let sent: Promise<PromiseSettledResult<O>[]>;
    try {
      sent =
        group.length === 1
          ? this.opts.single(group[0]!.item).then((value) => [{ status: 'fulfilled', value }])
          : this.opts.batch(group.map((w) => w.item));
    } catch (err) {
      // A call that throws before it is sent still gives its slot back.
      sent = Promise.reject(err);
    }
    if (group.length === 1) this.counts.single++;
    else {
      this.counts.batches++;
      this.counts.batched += group.length;
    }
    // The slot is given back before the outcomes are handed out: the calls that waited leave first.
    const done = () => {
      this.inFlight--;
      this.drain();
    };
    sent.then(
      (outcomes) => {
        done();
        if (outcomes.length !== group.length) {
          const err = new Error(`a batch of ${group.length} calls came back with ${outcomes.length} answers`);
          for (const w of group) w.reject(err);
          return;
        }
        group.forEach((w, i) => {
          const outcome = outcomes[i]!;
          if (outcome.status === 'fulfilled') w.resolve(outcome.value);
          else w.reject(outcome.reason);
        });
      },
      (err: unknown) => {
        done();
        for (const w of group) w.reject(err);
      },
    );
  }
}
