import { describe, expect, it } from 'vitest';
import type { SparseVector } from '../text/hashing-vectorizer.ts';
import { fitSparseLogistic, predictSparseProba, sparseLogit } from './sparse-logistic.ts';
import type { FitSparseLogisticOptions } from './sparse-logistic.ts';

const row = (indices: number[], values: number[]): SparseVector => ({
  indices: Int32Array.from(indices),
  values: Float32Array.from(values),
});

// Feature 0 marks spam, feature 1 marks ham, feature 2 is shared noise.
const rows = [row([0, 2], [0.8, 0.6]), row([0], [1]), row([1, 2], [0.8, 0.6]), row([1], [1]), row([1, 2], [0.6, 0.8])];
const base: FitSparseLogisticOptions = {
  rows,
  labels: [1, 1, 0, 0, 0],
  dimensions: 4,
  epochs: 30,
  learningRate: 0.5,
  l2: 1e-4,
  classWeight: 'balanced',
  seed: 1,
};

describe('fitSparseLogistic', () => {
  it('when the classes are separable, then every training row is on its side of 0.5', () => {
    const p = predictSparseProba(fitSparseLogistic(base), rows);
    expect(p.map((v) => (v >= 0.5 ? 1 : 0))).toEqual(base.labels);
  });

  it('when trained twice with the same seed, then the weights are bit-identical', () => {
    const a = fitSparseLogistic(base);
    const b = fitSparseLogistic(base);
    expect([...a.weights]).toEqual([...b.weights]);
    expect(a.bias).toBe(b.bias);
  });

  it('when fitted, then the parameters are float32 values (what the ONNX graph will hold)', () => {
    const model = fitSparseLogistic(base);
    expect(model.weights).toBeInstanceOf(Float32Array);
    expect(Math.fround(model.bias)).toBe(model.bias);
  });

  it('when a row weighs more, then the model leans to its label on a tie', () => {
    const tie = { ...base, rows: [row([0], [1]), row([0], [1])], labels: [1, 0] as (0 | 1)[], dimensions: 1 };
    const even = predictSparseProba(fitSparseLogistic(tie), [row([0], [1])])[0]!;
    const leaning = predictSparseProba(fitSparseLogistic({ ...tie, rowWeights: [1, 4] }), [row([0], [1])])[0]!;
    expect(Math.abs(even - 0.5)).toBeLessThan(0.05);
    expect(leaning).toBeLessThan(0.3);
  });

  it('when a feature index is outside the dimensions, then it throws', () => {
    expect(() => fitSparseLogistic({ ...base, dimensions: 2 })).toThrow(/outside \[0, 2\)/);
  });

  it('when only one class is present, then it throws', () => {
    expect(() => fitSparseLogistic({ ...base, labels: [0, 0, 0, 0, 0] })).toThrow(/both classes/);
  });
});

describe('sparseLogit', () => {
  it('when a row is empty, then the logit is the bias', () => {
    expect(sparseLogit({ weights: Float32Array.from([1, 2]), bias: 0.25 }, row([], []))).toBe(0.25);
  });

  it('when a row has entries, then the logit is bias + the weighted sum', () => {
    expect(sparseLogit({ weights: Float32Array.from([1, 2, 4]), bias: 0.5 }, row([0, 2], [0.5, 0.25]))).toBe(
      0.5 + 0.5 + 1,
    );
  });
});
