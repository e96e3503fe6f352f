import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packByKey } from './pack.ts';

const item = fc.record({ key: fc.constantFrom('a', 'b', 'c', undefined), size: fc.integer({ min: 0, max: 40 }) });

describe('packByKey', () => {
  it("when items of several keys are packed, then each key's packs hold its items in order, within both bounds", () => {
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 100 }),
        (items, maxItems, maxSize) => {
          const tagged = items.map((x, i) => ({ ...x, i }));
          const packs = packByKey(tagged, { keyOf: (x) => x.key, sizeOf: (x) => x.size, maxItems, maxSize });
          for (const key of ['a', 'b', 'c', undefined]) {
            const ofKey = packs.filter((p) => p.key === key);
            expect(ofKey.flatMap((p) => p.items)).toEqual(tagged.filter((x) => x.key === key));
            for (const p of ofKey) expect(p.items.every((x) => x.key === key)).toBe(true);
          }
          for (const p of packs) {
            expect(p.items.length).toBeGreaterThan(0);
            expect(p.items.length).toBeLessThanOrEqual(maxItems);
            // Over the byte bound only when one item alone is.
            if (p.items.length > 1) expect(p.items.reduce((n, x) => n + x.size, 0)).toBeLessThanOrEqual(maxSize);
          }
          // Packs come in the order of their first items.
          const firsts = packs.map((p) => p.items[0]!.i);
          expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
        },
      ),
    );
  });

  it('when items fit, then a key gets one pack, and a pack is closed only when the next item would not fit', () => {
    const items = [
      { k: 'a', n: 3 },
      { k: 'b', n: 1 },
      { k: 'a', n: 3 },
      { k: 'a', n: 5 },
      { k: 'a', n: 1 },
    ];
    const packs = packByKey(items, { keyOf: (x) => x.k, sizeOf: (x) => x.n, maxItems: 10, maxSize: 10 });
    expect(packs.map((p) => [p.key, p.items.map((x) => x.n)])).toEqual([
      ['a', [3, 3]],
      ['b', [1]],
      ['a', [5, 1]],
    ]);
    expect(packByKey([], { keyOf: () => 'a', sizeOf: () => 1, maxItems: 1, maxSize: 1 })).toEqual([]);
  });
});
