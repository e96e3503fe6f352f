import { describe, expect, it } from 'vitest';
import { addPrediction, emptyCounts } from './prediction-counter.ts';

describe('addPrediction', () => {
  it('when predictions of two models are added, then each model and the total count them', () => {
    const counts = ['a', 'b', 'a'].reduce(addPrediction, emptyCounts());
    expect(counts).toEqual({ total: 3, models: { a: 2, b: 1 } });
  });

  it('when adding, then the previous counts are left unchanged', () => {
    const before = emptyCounts();
    addPrediction(before, 'a');
    expect(before).toEqual({ total: 0, models: {} });
  });
});
