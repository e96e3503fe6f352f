import { describe, expect, it } from 'vitest';
import { calibration } from './calibration.ts';

describe('calibration', () => {
  it('when scores equal the positive rate in every bin, then the expected calibration error is 0', () => {
    // Bin [0.2, 0.3): score 0.25, 1 positive in 4; bin [0.7, 0.8): score 0.75, 3 in 4.
    const c = calibration({
      yTrue: [1, 0, 0, 0, 1, 1, 1, 0],
      scores: [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75],
    });
    expect(c.ece).toBeCloseTo(0, 12);
    expect(c.brier).toBeCloseTo(0.1875, 12);
    expect(c.bins[2]).toMatchObject({ count: 4, mean_score: 0.25, positive_rate: 0.25 });
  });

  it('when a model is over-confident, then the error shows the gap', () => {
    const c = calibration({ yTrue: [1, 0, 1, 0], scores: [0.95, 0.95, 0.95, 0.95] });
    expect(c.ece).toBeCloseTo(0.45, 12);
    expect(c.bins[9]).toMatchObject({ count: 4, positive_rate: 0.5 });
  });

  it('when a score is exactly 1, then it falls in the last bin', () => {
    expect(calibration({ yTrue: [1], scores: [1] }).bins[9]!.count).toBe(1);
  });
});
