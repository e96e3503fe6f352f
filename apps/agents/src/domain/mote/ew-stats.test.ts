import { describe, expect, it } from 'vitest';
import { decayAlpha, foldEw, zScore } from './ew-stats.ts';

const foldAll = (xs: number[], alpha: number) =>
  xs.reduce((stats, x, i) => foldEw({ stats, x, count: i + 1, alpha }), { mean: 0, variance: 0 });

describe('foldEw', () => {
  it('when fewer readings than the half-life window arrived, then it is the plain mean and population variance', () => {
    const stats = foldAll([10, 12, 14, 16], decayAlpha(500));
    expect(stats.mean).toBeCloseTo(13, 12);
    expect(stats.variance).toBeCloseTo(5, 12);
  });

  it('when the first reading arrives, then the mean is that reading, not pulled towards zero', () => {
    expect(foldAll([45.93], decayAlpha(500))).toEqual({ mean: 45.93, variance: 0 });
  });

  it('when the level moves for many half-lives, then the mean follows it and old readings fade', () => {
    const alpha = decayAlpha(10);
    const stats = foldAll([...new Array(200).fill(0), ...new Array(200).fill(100)], alpha);
    expect(stats.mean).toBeGreaterThan(99.9);
    expect(stats.variance).toBeLessThan(1);
  });

  it('when one half-life of readings has passed, then the older readings weigh half', () => {
    const alpha = decayAlpha(20);
    expect((1 - alpha) ** 20).toBeCloseTo(0.5, 12);
  });

  it('when readings are equal, then the variance stays exactly non-negative', () => {
    const stats = foldAll(new Array(1000).fill(0.1 + 0.2), decayAlpha(7));
    expect(stats.variance).toBeGreaterThanOrEqual(0);
  });
});

describe('zScore', () => {
  it('when the baseline is flat, then the std floor keeps the score finite', () => {
    expect(zScore({ stats: { mean: 40, variance: 0 }, x: 40.05, stdFloor: 0.01 })).toBeCloseTo(5, 9);
  });

  it('when the baseline has spread, then the score is the deviation in stds', () => {
    expect(zScore({ stats: { mean: 40, variance: 4 }, x: 34, stdFloor: 0.01 })).toBe(-3);
  });
});
