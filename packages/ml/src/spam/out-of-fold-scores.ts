import { mulberry32 } from '../split.ts';

export interface OutOfFoldOptions {
  labels: readonly (0 | 1)[];
  folds: number;
  seed: number;
  /** Fits on the rows at trainIndices and returns scores for the rows at heldIndices, in order. */
  fitAndScore: (trainIndices: number[], heldIndices: number[]) => number[];
}

/**
 * Fold number per row, each class dealt round-robin after a seeded shuffle, so every fold
 * keeps the class mix of the whole.
 */
export function stratifiedFolds(labels: readonly (0 | 1)[], options: { folds: number; seed: number }): number[] {
  const { folds, seed } = options;
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`folds must be an integer >= 2, got ${folds}`);
  const random = mulberry32(seed);
  const fold = new Array<number>(labels.length).fill(0);
  for (const label of [0, 1]) {
    const members = labels.flatMap((y, i) => (y === label ? [i] : []));
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    members.forEach((row, k) => (fold[row] = k % folds));
  }
  return fold;
}

/**
 * Every row's score from a model that did not see it (k-fold cross-validation). Scores made
 * this way behave like scores on new data, so a threshold picked on them is not fooled by how
 * confidently a model scores its own training rows — and the test split is never touched.
 */
export function outOfFoldScores(options: OutOfFoldOptions): number[] {
  const { labels, folds, seed, fitAndScore } = options;
  const fold = stratifiedFolds(labels, { folds, seed });
  const scores = new Array<number>(labels.length).fill(Number.NaN);
  for (let f = 0; f < folds; f++) {
    const trainIndices: number[] = [];
    const heldIndices: number[] = [];
    fold.forEach((g, i) => (g === f ? heldIndices : trainIndices).push(i));
    const held = fitAndScore(trainIndices, heldIndices);
    if (held.length !== heldIndices.length) {
      throw new Error(`outOfFoldScores: fold ${f} returned ${held.length} scores for ${heldIndices.length} rows`);
    }
    held.forEach((score, k) => (scores[heldIndices[k]!] = score));
  }
  return scores;
}
