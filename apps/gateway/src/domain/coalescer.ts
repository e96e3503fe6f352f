/**
 * Calls to one app that travel together when it is busy. While fewer than
 * `maxInFlight` calls are out, a call goes alone, at once: a lone request
 * waits for nothing. Once that many are out, calls wait; each time one comes
 * back, the waiting calls leave together, up to `maxItems` in one batch call.
 * Under load this trades a request's own trip through the sidecars for a
 * share of one (at c=64 the two daprd on the path were most of the CPU); no
 * timer is involved, so the batch is as large as the load makes it.
 */
export interface CoalescerOptions<I, O> {
  maxInFlight: number;
  maxItems: number;
  /** One call, as it would go without the coalescer. */
  single(item: I): Promise<O>;
  /** Several calls in one; answers in the items' order, one each. */
  batch(items: I[]): Promise<O[]>;
}

interface Waiting<I, O> {
  item: I;
  resolve(o: O): void;
  reject(err: unknown): void;
}

export class Coalescer<I, O> {
  private inFlight = 0;
  private waiting: Waiting<I, O>[] = [];
  /** What went out: calls alone, batch calls, and the requests those carried. */
  readonly counts = { single: 0, batches: 0, batched: 0 };

  constructor(private readonly opts: CoalescerOptions<I, O>) {
    if (opts.maxInFlight < 1 || opts.maxItems < 1) throw new Error('maxInFlight and maxItems must be at least 1');
  }

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.drain();
    });
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  private drain(): void {
    while (this.inFlight < this.opts.maxInFlight && this.waiting.length > 0)
      this.send(this.waiting.splice(0, this.opts.maxItems));
  }

  private send(group: Waiting<I, O>[]): void {
    this.inFlight++;
    let sent: Promise<O[]>;
    try {
      sent =
        group.length === 1
          ? this.opts.single(group[0]!.item).then((o) => [o])
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
    // The slot is given back before the answers are handed out: the calls that waited leave first.
    const done = () => {
      this.inFlight--;
      this.drain();
    };
    sent.then(
      (answers) => {
        done();
        if (answers.length === group.length) group.forEach((w, i) => w.resolve(answers[i]!));
        else {
          const err = new Error(`a batch of ${group.length} calls came back with ${answers.length} answers`);
          for (const w of group) w.reject(err);
        }
      },
      (err: unknown) => {
        done();
        for (const w of group) w.reject(err);
      },
    );
  }
}
