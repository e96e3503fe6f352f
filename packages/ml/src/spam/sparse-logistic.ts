import { mulberry32, shuffleInPlace } from '../split.ts';
import type { SparseVector } from '../text/hashing-vectorizer.ts';

/**
 * Logistic regression over sparse rows. Parameters are float32 values (held in a Float32Array and
 * a fround-ed bias) so the exported ONNX graph holds exactly the numbers TypeScript predicts with.
 */
export interface SparseLogisticModel {
  weights: Float32Array;
  bias: number;
}

export interface FitSparseLogisticOptions {
  rows: readonly SparseVector[];
  labels: readonly (0 | 1)[];
  dimensions: number;
  epochs: number;
  /** Adagrad base step. */
  learningRate: number;
  /** Ridge penalty, applied to the weights a row touches when that row is visited. */
  l2: number;
  /** 'balanced' weighs each class by n / (2·n_class), so the rarer class counts as much. */
  classWeight: 'balanced' | 'none';
  /**
   * Extra per-row weight on top of the class weight (1 when omitted): lets training stress rows
   * known to be hard, such as ham written like marketing, without changing the labels.
   */
  rowWeights?: readonly number[];
  /** Seeds the per-epoch shuffle; the same inputs and seed give bit-identical weights. */
  seed: number;
}

/**
 * Per-row Adagrad on the (class-weighted) log-loss. The L2 step is lazy — only on features the
 * row has — because a dense step would touch every one of the 2^18 weights per row; the
 * effect is a penalty that grows with a feature's frequency, which is what sparse text wants.
 */
export function fitSparseLogistic(options: FitSparseLogisticOptions): SparseLogisticModel {
  const { rows, labels, dimensions, epochs, learningRate, l2, classWeight, seed, rowWeights } = options;
  if (rows.length !== labels.length)
    throw new Error(`fitSparseLogistic: ${rows.length} rows but ${labels.length} labels`);
  const positives = labels.filter((y) => y === 1).length;
  if (rowWeights !== undefined && rowWeights.length !== rows.length) {
    throw new Error(`fitSparseLogistic: ${rows.length} rows but ${rowWeights.length} row weights`);
  }
  if (positives === 0 || positives === rows.length) throw new Error('fitSparseLogistic: needs both classes');
  rows.forEach((row, i) => {
    if (row.indices.some((j) => j < 0 || j >= dimensions))
      throw new Error(`fitSparseLogistic: row ${i} has an index outside [0, ${dimensions})`);
  });
  const classWeights =
    classWeight === 'balanced'
      ? [rows.length / (2 * (rows.length - positives)), rows.length / (2 * positives)]
      : [1, 1];

  const w = new Float64Array(dimensions);
  const g2 = new Float64Array(dimensions);
  let bias = 0;
  let biasG2 = 0;
  const epsilon = 1e-8;
  const random = mulberry32(seed);
  const order = rows.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, random);
    for (const i of order) {
      const { indices, values } = rows[i]!;
      let z = bias;
      for (let k = 0; k < indices.length; k++) z += w[indices[k]!]! * values[k]!;
      const error = (sigmoid(z) - labels[i]!) * classWeights[labels[i]!]! * (rowWeights?.[i] ?? 1);
      for (let k = 0; k < indices.length; k++) {
        const j = indices[k]!;
        const g = error * values[k]! + l2 * w[j]!;
        g2[j]! += g * g;
        w[j]! -= (learningRate * g) / (Math.sqrt(g2[j]!) + epsilon);
      }
      biasG2 += error * error;
      bias -= (learningRate * error) / (Math.sqrt(biasG2) + epsilon);
    }
  }
  return { weights: Float32Array.from(w), bias: Math.fround(bias) };
}

/** bias + Σ w_j·v_j, summed in float64 over the float32 parameters and values. */
export function sparseLogit(model: SparseLogisticModel, row: SparseVector): number {
  let z = model.bias;
  for (let k = 0; k < row.indices.length; k++) z += model.weights[row.indices[k]!]! * row.values[k]!;
  return z;
}

export function predictSparseProba(model: SparseLogisticModel, rows: readonly SparseVector[]): number[] {
  return rows.map((row) => sigmoid(sparseLogit(model, row)));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
