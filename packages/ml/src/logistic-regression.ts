import { solveLinearSystem } from './solve-linear-system.ts';
import { featureMoments, standardizeRow } from './standardize.ts';

export interface LogisticModel {
  featureNames: string[];
  means: number[];
  stds: number[];
  /** Weights on the standardised features, in featureNames order. */
  weights: number[];
  bias: number;
}

export interface FitLogisticRegressionOptions {
  x: number[][];
  y: number[];
  featureNames: string[];
  /** Ridge penalty on the weights (not the bias), on the mean weighted log-loss. */
  l2?: number;
  /** 'balanced' weighs each class by n / (2·n_class), so a rare class counts as much as a common one. */
  classWeight?: 'balanced' | 'none';
  maxIter?: number;
  /** Converged when the largest Newton update to any coefficient is below this. */
  tol?: number;
}

/** Fits by Newton/IRLS with backtracking; no randomness, so the same data gives the same model. */
export function fitLogisticRegression(options: FitLogisticRegressionOptions): LogisticModel {
  const { x, y, featureNames, l2 = 1e-4, classWeight = 'none', maxIter = 100, tol = 1e-9 } = options;
  validate(x, y, featureNames);
  const { means, stds } = featureMoments(x);
  // Standardise once, append a constant 1 column for the bias (kept last, unpenalised).
  const design = x.map((row) => [...standardizeRow(row, means, stds), 1]);
  const sampleWeights = weightsFor(y, classWeight);
  const totalWeight = sampleWeights.reduce((a, b) => a + b, 0);
  const d = featureNames.length + 1;
  const penalty = (j: number): number => (j < d - 1 ? l2 : 0);

  const objective = (beta: number[]): number => {
    let loss = 0;
    design.forEach((row, i) => {
      const z = dot(row, beta);
      // softplus(z) - y·z is the log-loss written so it cannot overflow.
      loss += sampleWeights[i]! * (Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y[i]! * z);
    });
    return loss / totalWeight + beta.reduce((acc, b, j) => acc + 0.5 * penalty(j) * b * b, 0);
  };

  let beta = new Array<number>(d).fill(0);
  let current = objective(beta);
  for (let iter = 0; iter < maxIter; iter++) {
    const grad = beta.map((b, j) => penalty(j) * b);
    const hess = beta.map((_, j) => beta.map((__, k) => (j === k ? penalty(j) : 0)));
    design.forEach((row, i) => {
      const p = sigmoid(dot(row, beta));
      const s = sampleWeights[i]! / totalWeight;
      const r = s * (p - y[i]!);
      const h = s * p * (1 - p);
      for (let j = 0; j < d; j++) {
        grad[j]! += r * row[j]!;
        for (let k = 0; k < d; k++) hess[j]![k]! += h * row[j]! * row[k]!;
      }
    });
    const step = solveLinearSystem(hess, grad);
    // Backtrack so a near-separable class cannot make a full Newton step overshoot.
    let t = 1;
    let candidate = beta.map((b, j) => b - step[j]!);
    let value = objective(candidate);
    while (value > current && t > 1e-10) {
      t /= 2;
      candidate = beta.map((b, j) => b - t * step[j]!);
      value = objective(candidate);
    }
    const largestUpdate = Math.max(...step.map((s) => Math.abs(t * s)));
    beta = candidate;
    current = value;
    if (largestUpdate < tol) {
      return { featureNames: [...featureNames], means, stds, weights: beta.slice(0, d - 1), bias: beta[d - 1]! };
    }
  }
  throw new Error(`fitLogisticRegression: no convergence after ${maxIter} Newton iterations`);
}

/**
 * Probability of class 1 for each row. The arithmetic order — ((x - mean) / std) * w, summed
 * in feature order, then + bias — is the one the ONNX export uses, so they agree to float precision.
 */
export function predictProba(model: LogisticModel, x: readonly (readonly number[])[]): number[] {
  return x.map((row) => {
    if (row.length !== model.featureNames.length) {
      throw new Error(`predictProba: expected ${model.featureNames.length} features, got ${row.length}`);
    }
    let z = 0;
    row.forEach((v, j) => {
      z += ((v - model.means[j]!) / model.stds[j]!) * model.weights[j]!;
    });
    return sigmoid(z + model.bias);
  });
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function weightsFor(y: readonly number[], classWeight: 'balanced' | 'none'): number[] {
  if (classWeight === 'none') return y.map(() => 1);
  const positives = y.filter((v) => v === 1).length;
  const negatives = y.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error('fitLogisticRegression: classWeight "balanced" needs both classes present');
  }
  return y.map((v) => (v === 1 ? y.length / (2 * positives) : y.length / (2 * negatives)));
}

function validate(x: readonly number[][], y: readonly number[], featureNames: readonly string[]): void {
  if (x.length === 0 || x.length !== y.length) {
    throw new Error(`fitLogisticRegression: need as many labels as rows (rows=${x.length}, labels=${y.length})`);
  }
  if (x.some((row) => row.length !== featureNames.length || row.some((v) => !Number.isFinite(v)))) {
    throw new Error(`fitLogisticRegression: every row needs ${featureNames.length} finite values`);
  }
  if (y.some((v) => v !== 0 && v !== 1)) throw new Error('fitLogisticRegression: labels must be 0 or 1');
}
