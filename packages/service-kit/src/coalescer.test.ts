import { afterEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from './coalescer.ts';

/** A far end whose calls are answered when the test says so: each call is recorded with its items. */
function farEnd() {
  const calls: { items: number[]; answer(o?: string[]): void; fail(err: Error): void }[] = [];
  const call = (items: number[]) =>
    new Promise<string[]>((resolve, reject) =>
      calls.push({
        items,
        answer: (o) => resolve(o ?? items.map((i) => `answer ${i}`)),
        fail: reject,
      }),
    );
  return {
    calls,
    single: (i: number) => call([i]).then((a) => a[0]!),
    batch: (items: number[]) =>
      call(items).then((answers) =>
        answers.map(
          (value): PromiseSettledResult<string> =>
            value.startsWith('fail')
              ? { status: 'rejected', reason: new Error(value) }
              : { status: 'fulfilled', value },
        ),
      ),
  };
}

const sized = { maxBytes: 1000, sizeOf: () => 1 };

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('when fewer calls than maxInFlight are out, then each goes alone at once', async () => {
    const end = farEnd();
    const c = new Coalescer({ maxInFlight: 2, maxItems: 8, ...sized, single: end.single, batch: end.batch });
    const a = c.call(1);
    const b = c.call(2);
    expect(end.calls.map((x) => x.items)).toEqual([[1], [2]]);
    end.calls[1]!.answer();
    end.calls[0]!.answer();
    expect(await Promise.all([a, b])).toEqual(['answer 1', 'answer 2']);
    expect(c.counts).toEqual({ single: 2, batches: 0, batched: 0, abandoned: 0 });
  });

  it('when maxInFlight calls are out, then the next wait and leave together as one batch when one comes back, each with its own answer', async () => {
    const end = farEnd();
    const c = new Coalescer({ maxInFlight: 1, maxItems: 8, ...sized, single: end.single, batch: end.batch });
    const first = c.call(1);
    const waiting = [c.call(2), c.call(3), c.call(4)];
    expect(end.calls).toHaveLength(1);
    expect(c.queued).toBe(3);
    end.calls[0]!.answer();
    await first;
    expect(end.calls.map((x) => x.items)).toEqual([[1], [2, 3, 4]]);
    end.calls[1]!.answer(['two', 'three', 'four']);
    expect(await Promise.all(waiting)).toEqual(['two', 'three', 'four']);
    expect(c.counts).toEqual({ single: 1, batches: 1, batched: 3, abandoned: 0 });
    // Nothing out any more: the next call goes alone again.
    void c.call(5);
    expect(end.calls.at(-1)!.items).toEqual([5]);
  });

  it('when more calls wait than maxItems, then they leave in batches of at most maxItems, in the order they came', async () => {
    const end = farEnd();
    const c = new Coalescer({ maxInFlight: 1, maxItems: 2, ...sized, single: end.single, batch: end.batch });
    const all = [1, 2, 3, 4, 5, 6].map((i) => c.call(i));
    end.calls[0]!.answer();
    await settled();
    end.calls[1]!.answer();
    await settled();
    end.calls[2]!.answer();
    await settled();
    end.calls[3]!.answer();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `answer ${i}`));
    expect(end.calls.map((x) => x.items)).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it('when a batch fails, then every call in it fails with its error and the calls outside it are answered', async () => {
    const end = farEnd();
    const c = new Coalescer({ maxInFlight: 1, maxItems: 2, ...sized, single: end.single, batch: end.batch });
    const first = c.call(1);
    const [two, three, four] = [c.call(2), c.call(3), c.call(4)];
    end.calls[0]!.answer();
    await first;
    end.calls[1]!.fail(new Error('sidecar gone'));
    await expect(two).rejects.toThrow('sidecar gone');
    await expect(three).rejects.toThrow('sidecar gone');
    await settled();
    expect(end.calls[2]!.items).toEqual([4]);
    end.calls[2]!.answer();
    expect(await four).toBe('answer 4');
  });

  it('when a batch comes back with another number of answers, then its calls fail rather than take a wrong answer', async () => {
    const end = farEnd();
    const c = new Coalescer({ maxInFlight: 1, maxItems: 8, ...sized, single: end.single, batch: end.batch });
    const first = c.call(1);
    const waiting = [c.call(2), c.call(3)];
    end.calls[0]!.answer();
    await first;
    end.calls[1]!.answer(['only one']);
    for (const w of waiting) await expect(w).rejects.toThrow('a batch of 2 calls came back with 1 answers');
  });

  it('when waiting calls pass maxBytes together, then a batch closes before the call that would pass it (a lone large call still goes)', async () => {
    const end = farEnd();
    const c = new Coalescer({
      maxInFlight: 1,
      maxItems: 8,
      maxBytes: 10,
      sizeOf: (i: number) => i,
      single: end.single,
      batch: end.batch,
    });
    const all = [1, 4, 5, 2, 12, 3].map((i) => c.call(i));
    for (let k = 0; k < 5; k++) {
      end.calls[k]!.answer();
      await settled();
    }
    expect(await Promise.all(all)).toHaveLength(6);
    expect(end.calls.map((x) => x.items)).toEqual([[1], [4, 5], [2], [12], [3]]);
  });

  it('when one call of a batch fails on its own, then only that call fails', async () => {
    const end = farEnd();
    const c = new Coalescer({ maxInFlight: 1, maxItems: 8, ...sized, single: end.single, batch: end.batch });
    const first = c.call(1);
    const [two, three] = [c.call(2), c.call(3)];
    end.calls[0]!.answer();
    await first;
    end.calls[1]!.answer(['two', 'fail three']);
    expect(await two).toBe('two');
    await expect(three).rejects.toThrow('fail three');
  });

  it('when a waiting call is abandoned (its client left), then it is dropped with its error and never sent', async () => {
    const end = farEnd();
    const left = new Set([3]);
    const c = new Coalescer({
      maxInFlight: 1,
      maxItems: 8,
      ...sized,
      abandoned: (i: number) => (left.has(i) ? new Error('client gone') : undefined),
      single: end.single,
      batch: end.batch,
    });
    const first = c.call(1);
    const [two, three, four] = [c.call(2), c.call(3), c.call(4)];
    end.calls[0]!.answer();
    await first;
    await expect(three).rejects.toThrow('client gone');
    expect(end.calls[1]!.items).toEqual([2, 4]);
    end.calls[1]!.answer();
    expect([await two, await four]).toEqual(['answer 2', 'answer 4']);
    expect(c.counts.abandoned).toBe(1);
    expect(c.idle).toBe(true);
  });

  it('when a call throws before it is sent, then it fails and its slot is free for the next', async () => {
    const end = farEnd();
    const c = new Coalescer({
      maxInFlight: 1,
      maxItems: 8,
      ...sized,
      single: (i: number) => {
        if (i === 1) throw new Error('no body');
        return end.single(i);
      },
      batch: end.batch,
    });
    await expect(c.call(1)).rejects.toThrow('no body');
    void c.call(2);
    expect(end.calls.map((x) => x.items)).toEqual([[2]]);
  });

  it('when built with no room, then it refuses to start', () => {
    const end = farEnd();
    expect(
      () => new Coalescer({ maxInFlight: 0, maxItems: 8, ...sized, single: end.single, batch: end.batch }),
    ).toThrow('at least 1');
  });

  describe('lingering', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('when calls come with slots free, then they wait lingerMs and leave together', async () => {
      vi.useFakeTimers();
      const end = farEnd();
      const c = new Coalescer({ maxInFlight: 2, maxItems: 8, lingerMs: 5, ...sized, ...end });
      const calls = [c.call(1), c.call(2), c.call(3)];
      expect(end.calls).toHaveLength(0);
      vi.advanceTimersByTime(4);
      expect(end.calls).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(end.calls.map((x) => x.items)).toEqual([[1, 2, 3]]);
      end.calls[0]!.answer();
      expect(await Promise.all(calls)).toEqual(['answer 1', 'answer 2', 'answer 3']);
      expect(c.counts).toEqual({ single: 0, batches: 1, batched: 3, abandoned: 0 });
    });

    it('when maxItems calls wait, then they leave at once, without the timer', () => {
      vi.useFakeTimers();
      const end = farEnd();
      const c = new Coalescer({ maxInFlight: 2, maxItems: 3, lingerMs: 5, ...sized, ...end });
      for (const i of [1, 2, 3]) void c.call(i);
      expect(end.calls.map((x) => x.items)).toEqual([[1, 2, 3]]);
      vi.advanceTimersByTime(4);
      void c.call(4);
      // The timer the first call started went with the batch: the fourth lingers from its own arrival.
      vi.advanceTimersByTime(4);
      expect(end.calls).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(end.calls.map((x) => x.items)).toEqual([[1, 2, 3], [4]]);
    });

    it('when flushed, then what lingers leaves at once and flush resolves once it is answered', async () => {
      vi.useFakeTimers();
      const end = farEnd();
      const c = new Coalescer({ maxInFlight: 2, maxItems: 8, lingerMs: 60_000, ...sized, ...end });
      const calls = [c.call(1), c.call(2)];
      let flushed = false;
      const flush = c.flush().then(() => {
        flushed = true;
      });
      expect(end.calls.map((x) => x.items)).toEqual([[1, 2]]);
      await Promise.resolve();
      expect(flushed).toBe(false);
      end.calls[0]!.answer();
      await flush;
      expect(await Promise.all(calls)).toEqual(['answer 1', 'answer 2']);
      expect(c.idle).toBe(true);
      await c.flush();
    });

    it('when a call comes while a flush waits, then it goes at once instead of lingering', async () => {
      vi.useFakeTimers();
      const end = farEnd();
      const c = new Coalescer({ maxInFlight: 2, maxItems: 8, lingerMs: 60_000, ...sized, ...end });
      void c.call(1);
      const flush = c.flush();
      void c.call(2);
      expect(end.calls.map((x) => x.items)).toEqual([[1], [2]]);
      end.calls[0]!.answer();
      end.calls[1]!.answer();
      await flush;
    });
  });
});
