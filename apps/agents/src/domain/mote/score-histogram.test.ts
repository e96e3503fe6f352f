import { describe, expect, it } from 'vitest';
import { SCORE_EDGES, addScore, bestHistogramThreshold, emptyHistogram, scoreBin } from './score-histogram.ts';

const histogramOf = (scores: number[]) => scores.reduce(addScore, emptyHistogram());

describe('scoreBin', () => {
  it('when a score is below the first edge, at an edge or beyond the last, then it lands in the end bins or the edge bin', () => {
    expect(scoreBin(0)).toBe(0);
    expect(scoreBin(SCORE_EDGES[3]!)).toBe(4);
    expect(scoreBin(1e9)).toBe(SCORE_EDGES.length);
  });
});

describe('bestHistogramThreshold', () => {
  it('when only one class was seen, then there is no learned threshold', () => {
    expect(bestHistogramThreshold({ normal: histogramOf([1, 2]), anomalous: emptyHistogram() })).toBeUndefined();
    expect(bestHistogramThreshold({ normal: emptyHistogram(), anomalous: histogramOf([9]) })).toBeUndefined();
  });

  it('when the classes are separated by a gap, then the threshold sits inside the gap', () => {
    const threshold = bestHistogramThreshold({ normal: histogramOf([0.7, 1, 2, 3]), anomalous: histogramOf([20, 40]) });
    expect(threshold).toBeGreaterThan(3);
    expect(threshold).toBeLessThanOrEqual(20);
  });

  it('when the classes overlap, then the threshold maximises F1 on the seen scores', () => {
    // A cut between 1 and 5.5 catches both anomalies with one false alarm (F1 0.8); above 6, one and none (F1 0.67).
    const normal = histogramOf([1, 1, 1, 6]);
    const anomalous = histogramOf([5.5, 9]);
    const threshold = bestHistogramThreshold({ normal, anomalous })!;
    expect(threshold).toBeLessThanOrEqual(5.5);
    expect(threshold).toBeGreaterThan(1);
  });

  it('when no edge catches an anomaly, then there is no learned threshold', () => {
    expect(bestHistogramThreshold({ normal: histogramOf([0.1]), anomalous: histogramOf([0.2]) })).toBeUndefined();
  });

  it('when a histogram gets scores, then its size never grows', () => {
    const histogram = histogramOf(Array.from({ length: 10_000 }, (_, i) => i / 7));
    expect(histogram).toHaveLength(SCORE_EDGES.length + 1);
    expect(histogram.reduce((a, b) => a + b, 0)).toBe(10_000);
  });
});
