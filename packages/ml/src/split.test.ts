import { describe, expect, it } from 'vitest';
import { mulberry32, stratifiedSplit } from './split.ts';

interface Row {
  id: number;
  label: 0 | 1;
}

// 1000 rows, every tenth one positive.
const rows: Row[] = Array.from({ length: 1000 }, (_, id) => ({ id, label: id % 10 === 0 ? 1 : 0 }));
const label = (r: Row): 0 | 1 => r.label;
const ids = (xs: Row[]): number[] => xs.map((r) => r.id);

describe('stratifiedSplit', () => {
  it('when called twice with the same seed, then it returns the same split', () => {
    const a = stratifiedSplit(rows, { testFraction: 0.25, seed: 7, label });
    const b = stratifiedSplit(rows, { testFraction: 0.25, seed: 7, label });
    expect(ids(a.test)).toEqual(ids(b.test));
    expect(ids(a.train)).toEqual(ids(b.train));
  });

  it('when the seed changes, then the test set changes', () => {
    const a = stratifiedSplit(rows, { testFraction: 0.25, seed: 7, label });
    const b = stratifiedSplit(rows, { testFraction: 0.25, seed: 8, label });
    expect(ids(a.test)).not.toEqual(ids(b.test));
  });

  it('when splitting, then each class is divided in the requested proportion', () => {
    const { train, test } = stratifiedSplit(rows, { testFraction: 0.25, seed: 7, label });
    expect(test.filter((r) => r.label === 1)).toHaveLength(25);
    expect(test.filter((r) => r.label === 0)).toHaveLength(225);
    expect(train.filter((r) => r.label === 1)).toHaveLength(75);
    expect(train.filter((r) => r.label === 0)).toHaveLength(675);
  });

  it('when splitting, then train and test are disjoint and together cover every row once', () => {
    const { train, test } = stratifiedSplit(rows, { testFraction: 0.3, seed: 1, label });
    const testIds = new Set(ids(test));
    expect(train.some((r) => testIds.has(r.id))).toBe(false);
    expect([...ids(train), ...ids(test)].sort((a, b) => a - b)).toEqual(ids(rows));
  });

  it('when splitting, then both halves keep the input order', () => {
    const { train, test } = stratifiedSplit(rows, { testFraction: 0.25, seed: 3, label });
    const ascending = (xs: number[]): boolean => xs.every((v, i) => i === 0 || v > xs[i - 1]!);
    expect(ascending(ids(train)) && ascending(ids(test))).toBe(true);
  });

  it('when testFraction is outside (0, 1), then it throws', () => {
    expect(() => stratifiedSplit(rows, { testFraction: 1, seed: 1, label })).toThrow(RangeError);
  });
});

describe('mulberry32', () => {
  it('when seeded the same, then it yields the same stream in [0, 1)', () => {
    const a = Array.from({ length: 5 }, mulberry32(42));
    const b = Array.from({ length: 5 }, mulberry32(42));
    expect(a).toEqual(b);
    expect(a.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(a).size).toBe(5);
  });
});
