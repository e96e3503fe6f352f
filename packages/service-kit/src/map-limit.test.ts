import { describe, expect, it } from 'vitest';
import { chunksOf, mapLimit } from './map-limit.ts';

describe('chunksOf', () => {
  it('when items are cut into chunks, then every chunk but the last is full and the order is kept', () => {
    expect(chunksOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunksOf([1, 2], 5)).toEqual([[1, 2]]);
    expect(chunksOf([], 3)).toEqual([]);
  });

  it('when a chunk could hold no item, then it is refused rather than looping for ever', () => {
    expect(() => chunksOf([1], 0)).toThrow(RangeError);
    expect(() => chunksOf([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('mapLimit', () => {
  it('when calls are mapped, then at most the limit run at once and the results keep the input order', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
