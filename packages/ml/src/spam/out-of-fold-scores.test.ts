import { describe, expect, it } from 'vitest';
import { outOfFoldScores, stratifiedFolds } from './out-of-fold-scores.ts';

const labels: (0 | 1)[] = Array.from({ length: 53 }, (_, i) => (i % 4 === 0 ? 1 : 0));

describe('stratifiedFolds', () => {
  it('when rows are dealt to folds, then each fold gets a near-equal share of each class', () => {
    const fold = stratifiedFolds(labels, { folds: 5, seed: 3 });
    for (const label of [0, 1]) {
      const sizes = [0, 1, 2, 3, 4].map((f) => fold.filter((g, i) => g === f && labels[i] === label).length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('when the seed is the same, then the folds are the same', () => {
    expect(stratifiedFolds(labels, { folds: 5, seed: 3 })).toEqual(stratifiedFolds(labels, { folds: 5, seed: 3 }));
    expect(stratifiedFolds(labels, { folds: 5, seed: 3 })).not.toEqual(stratifiedFolds(labels, { folds: 5, seed: 4 }));
  });

  it('when fewer than two folds are asked for, then it throws', () => {
    expect(() => stratifiedFolds(labels, { folds: 1, seed: 3 })).toThrow(RangeError);
  });
});

describe('outOfFoldScores', () => {
  it('when scoring, then every row is scored exactly once by a fit that did not include it', () => {
    const scoredBy = new Array<number>(labels.length).fill(0);
    const scores = outOfFoldScores({
      labels,
      folds: 4,
      seed: 9,
      fitAndScore: (trainRows, heldRows) => {
        const inTrain = new Set(trainRows);
        expect(heldRows.some((i) => inTrain.has(i))).toBe(false);
        expect(trainRows.length + heldRows.length).toBe(labels.length);
        heldRows.forEach((i) => scoredBy[i]!++);
        return heldRows.map((i) => i / 100);
      },
    });
    expect(scoredBy.every((n) => n === 1)).toBe(true);
    expect(scores).toEqual(labels.map((_, i) => i / 100));
  });

  it('when a fold returns the wrong number of scores, then it throws', () => {
    expect(() => outOfFoldScores({ labels, folds: 3, seed: 1, fitAndScore: () => [0.5] })).toThrow(
      /fold 0 returned 1 scores/,
    );
  });
});
