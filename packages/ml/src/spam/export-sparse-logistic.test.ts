import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { SparseVector } from '../text/hashing-vectorizer.ts';
import { toSparseBatch } from '../text/sparse-batch.ts';
import { exportSparseLogisticOnnx } from './export-sparse-logistic.ts';
import { predictSparseProba } from './sparse-logistic.ts';
import type { SparseLogisticModel } from './sparse-logistic.ts';

const model: SparseLogisticModel = {
  weights: Float32Array.from([0.7, -1.25, 2, 0, 3.5, -0.5, 0.125, -4]),
  bias: Math.fround(-0.3),
};
const names = { indicesName: 'indices', valuesName: 'values', outputName: 'p' };

const row = (indices: number[], values: number[]): SparseVector => ({
  indices: Int32Array.from(indices),
  values: Float32Array.from(values),
});

async function run(rows: SparseVector[]): Promise<Float32Array> {
  const session = await InferenceSession.create(exportSparseLogisticOnnx(model, names));
  const batch = toSparseBatch(rows);
  const result = await session.run({
    indices: new Tensor('int64', batch.indices, [batch.rows, batch.k]),
    values: new Tensor('float32', batch.values, [batch.rows, batch.k]),
  });
  return result.p!.data as Float32Array;
}

describe('exportSparseLogisticOnnx', () => {
  it('when loaded by onnxruntime, then the inputs are indices and values and the output is named', async () => {
    const session = await InferenceSession.create(exportSparseLogisticOnnx(model, names));
    expect(session.inputNames).toEqual(['indices', 'values']);
    expect(session.outputNames).toEqual(['p']);
  });

  it('when rows of different lengths are batched, then each probability matches predictSparseProba', async () => {
    const rows = [row([1, 4, 7], [0.5, 0.25, 0.8]), row([2], [1]), row([0, 3, 5, 6], [0.1, 0.2, 0.3, 0.4])];
    const ort = await run(rows);
    const ts = predictSparseProba(model, rows);
    expect(ort).toHaveLength(3);
    ort.forEach((p, i) => expect(Math.abs(p - ts[i]!)).toBeLessThan(1e-6));
  });

  it('when a row is empty, then its probability is sigmoid(bias) (padding adds nothing)', async () => {
    const [empty] = await run([row([], []), row([0, 1, 2, 3, 4], [1, 1, 1, 1, 1])]);
    expect(Math.abs(empty! - 1 / (1 + Math.exp(-model.bias)))).toBeLessThan(1e-6);
  });

  it('when the names clash, then export refuses', () => {
    expect(() => exportSparseLogisticOnnx(model, { ...names, outputName: 'values' })).toThrow(/distinct/);
  });
});
