import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { LogisticModel } from '../logistic-regression.ts';
import { predictProba } from '../logistic-regression.ts';
import { exportLogisticRegressionOnnx } from './export-logistic.ts';

const model: LogisticModel = {
  featureNames: ['a', 'b'],
  means: [1, 2],
  stds: [2, 4],
  weights: [0.5, -1],
  bias: 0.25,
};

async function run(bytes: Uint8Array, feeds: Record<string, number[]>, output: string): Promise<Float32Array> {
  const session = await InferenceSession.create(bytes);
  const tensors = Object.fromEntries(
    Object.entries(feeds).map(([name, values]) => [
      name,
      new Tensor('float32', Float32Array.from(values), [values.length]),
    ]),
  );
  return (await session.run(tensors))[output]!.data as Float32Array;
}

describe('exportLogisticRegressionOnnx', () => {
  it('when loaded by onnxruntime, then inputs are the features and the output is the named tensor', async () => {
    const session = await InferenceSession.create(exportLogisticRegressionOnnx(model, { outputName: 'p' }));
    expect(session.inputNames).toEqual(['a', 'b']);
    expect(session.outputNames).toEqual(['p']);
  });

  it('when run on a batch, then it matches predictProba', async () => {
    const a = [3, -1, 0, 1, 100];
    const b = [10, 2, -7, 2, 0.5];
    const ort = await run(exportLogisticRegressionOnnx(model, { outputName: 'p' }), { a, b }, 'p');
    const ts = predictProba(
      model,
      a.map((v, i) => [v, b[i]!]),
    );
    expect(ort).toHaveLength(5);
    ort.forEach((v, i) => expect(Math.abs(v - ts[i]!)).toBeLessThan(1e-6));
  });

  it('when a feature is declared a product, then it is computed in the graph and not an input', async () => {
    const withProduct: LogisticModel = {
      ...model,
      featureNames: ['a', 'b', 'ab'],
      means: [1, 2, 3],
      stds: [2, 4, 5],
      weights: [0.5, -1, 0.3],
    };
    const bytes = exportLogisticRegressionOnnx(withProduct, { outputName: 'p', productFeatures: { ab: ['a', 'b'] } });
    expect((await InferenceSession.create(bytes)).inputNames).toEqual(['a', 'b']);
    const a = [3, -1, 0.5];
    const b = [2, 4, -6];
    const ort = await run(bytes, { a, b }, 'p');
    const ts = predictProba(
      withProduct,
      a.map((v, i) => [v, b[i]!, v * b[i]!]),
    );
    ort.forEach((v, i) => expect(Math.abs(v - ts[i]!)).toBeLessThan(1e-6));
  });

  it('when the output name equals a feature name, then export refuses', () => {
    expect(() => exportLogisticRegressionOnnx(model, { outputName: 'a' })).toThrow(/used twice/);
  });

  it('when a product uses an unknown input, then export refuses', () => {
    const withProduct: LogisticModel = { ...model, featureNames: ['a', 'ab'] };
    expect(() =>
      exportLogisticRegressionOnnx(withProduct, { outputName: 'p', productFeatures: { ab: ['a', 'b'] } }),
    ).toThrow(/product feature "ab"/);
  });

  it('when encoded, then the model starts with ir_version 8', () => {
    const bytes = exportLogisticRegressionOnnx(model, { outputName: 'p' });
    expect([...bytes.slice(0, 2)]).toEqual([0x08, 0x08]);
  });
});
