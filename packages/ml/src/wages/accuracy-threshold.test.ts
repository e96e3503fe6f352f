import { describe, expect, it } from 'vitest';
import { accuracyThreshold } from './accuracy-threshold.ts';

describe('accuracyThreshold', () => {
  it('when two cut points tie on accuracy, then the higher one is kept, midway to the next lower score', () => {
    // Cutting below 0.8 or below 0.6 both get 4 of 5 right; 0.8 wins the tie.
    expect(accuracyThreshold({ yTrue: [1, 1, 0, 1, 0], scores: [0.9, 0.8, 0.7, 0.6, 0.2] })).toBeCloseTo(0.75, 12);
  });

  it('when every row is negative, then the threshold sits above every score', () => {
    const threshold = accuracyThreshold({ yTrue: [0, 0], scores: [0.3, 0.1] });
    expect(threshold).toBeGreaterThan(0.3);
  });

  it('when every row is positive, then every row is predicted positive', () => {
    expect(accuracyThreshold({ yTrue: [1, 1], scores: [0.3, 0.1] })).toBe(0.1);
  });

  it('when lengths differ or there are no rows, then it refuses', () => {
    expect(() => accuracyThreshold({ yTrue: [1], scores: [] })).toThrow(/labels/);
    expect(() => accuracyThreshold({ yTrue: [], scores: [] })).toThrow(/labels/);
  });
});
