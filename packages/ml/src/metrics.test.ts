import { describe, expect, it } from 'vitest';
import { averagePrecision, bestThreshold, binaryMetrics, rocAuc } from './metrics.ts';

describe('binaryMetrics', () => {
  it('when scores are thresholded at 0.5, then the confusion counts and ratios match a hand count', () => {
    const m = binaryMetrics({ yTrue: [1, 0, 1, 1, 0, 0], scores: [0.9, 0.8, 0.7, 0.4, 0.3, 0.1], threshold: 0.5 });
    expect(m.confusion).toEqual({ tp: 2, fp: 1, tn: 2, fn: 1 });
    expect(m.support).toEqual({ positive: 3, negative: 3 });
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(m.rocAuc).toBeCloseTo(7 / 9, 12);
    expect(m.prAuc).toBeCloseTo(29 / 36, 12);
  });

  it('when a score equals the threshold, then the row is predicted positive', () => {
    const m = binaryMetrics({ yTrue: [1, 0], scores: [0.5, 0.5], threshold: 0.5 });
    expect(m.confusion).toEqual({ tp: 1, fp: 1, tn: 0, fn: 0 });
  });

  it('when nothing is predicted positive, then precision, recall and F1 are 0 rather than NaN', () => {
    const m = binaryMetrics({ yTrue: [1, 0, 0], scores: [0.2, 0.1, 0.3], threshold: 0.9 });
    expect([m.precision, m.recall, m.f1]).toEqual([0, 0, 0]);
    expect(m.accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('when labels and scores differ in length, then it throws', () => {
    expect(() => binaryMetrics({ yTrue: [1, 0], scores: [0.1], threshold: 0.5 })).toThrow(/2 labels but 1 scores/);
  });
});

describe('rocAuc', () => {
  it('when the ranking is perfect, then AUC is 1; when reversed, then 0', () => {
    expect(rocAuc({ yTrue: [0, 0, 1, 1], scores: [0.1, 0.2, 0.8, 0.9] })).toBe(1);
    expect(rocAuc({ yTrue: [1, 1, 0, 0], scores: [0.1, 0.2, 0.8, 0.9] })).toBe(0);
  });

  it('when a positive and a negative tie, then the pair counts half', () => {
    expect(rocAuc({ yTrue: [1, 0, 1, 0], scores: [0.5, 0.5, 0.8, 0.2] })).toBeCloseTo(3.5 / 4, 12);
  });

  it('when every score is the same, then AUC is 0.5', () => {
    expect(rocAuc({ yTrue: [1, 0, 0, 1, 0], scores: [3, 3, 3, 3, 3] })).toBe(0.5);
  });

  it('when only one class is present, then AUC is NaN', () => {
    expect(rocAuc({ yTrue: [0, 0], scores: [0.1, 0.2] })).toBeNaN();
  });
});

describe('averagePrecision', () => {
  it('when scores tie across classes, then the tied group is one step of the curve', () => {
    // Steps: (R=1/2, P=1) at 0.8, then (R=1, P=2/3) at 0.5.
    expect(averagePrecision({ yTrue: [1, 0, 1, 0], scores: [0.5, 0.5, 0.8, 0.2] })).toBeCloseTo(1 / 2 + 1 / 3, 12);
  });

  it('when positives rank first, then average precision is 1', () => {
    expect(averagePrecision({ yTrue: [0, 1, 0, 1], scores: [0.1, 0.9, 0.2, 0.8] })).toBe(1);
  });
});

describe('bestThreshold', () => {
  it('when one cut maximises F1, then the threshold sits midway to the next lower score', () => {
    const yTrue = [1, 1, 0, 1, 0, 0];
    const scores = [0.9, 0.8, 0.7, 0.6, 0.3, 0.2];
    const threshold = bestThreshold({ yTrue, scores });
    expect(threshold).toBeCloseTo(0.45, 12);
    expect(binaryMetrics({ yTrue, scores, threshold }).f1).toBeCloseTo(6 / 7, 12);
  });

  it('when the best cut is the lowest score, then that score itself is the threshold', () => {
    expect(bestThreshold({ yTrue: [1, 1], scores: [0.2, 0.1] })).toBe(0.1);
  });

  it('when there are no positives, then it throws', () => {
    expect(() => bestThreshold({ yTrue: [0, 0], scores: [0.2, 0.1] })).toThrow(/positive/);
  });
});
