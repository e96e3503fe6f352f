import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENSOR_ANOMALY_OUTPUT, SENSOR_ANOMALY_TRAINING_PARAMS } from '../sensor/sensor-anomaly.ts';
import { predictSensorAnomalyMlp, trainSensorAnomalyMlp } from '../sensor/sensor-anomaly-mlp.ts';
import type { SensorAnomalyMlp } from '../sensor/sensor-anomaly-mlp.ts';
import { loadSensorReadings } from '../sensor/sensor-data.ts';
import type { SensorReading } from '../sensor/sensor-data.ts';
import { stratifiedSplit } from '../split.ts';
import { loadTf } from '../tf-backend.ts';
import type { Tf } from '../tf-backend.ts';
import { exportMlpOnnx } from './export-mlp.ts';

let tf: Tf;
let mlp: SensorAnomalyMlp;
let heldOut: SensorReading[];

// Three epochs: parity is about the export, not about a well-trained model.
beforeAll(async () => {
  ({ tf } = await loadTf());
  mlp = await trainSensorAnomalyMlp({ epochs: 3 });
  const { seed, testFraction } = SENSOR_ANOMALY_TRAINING_PARAMS;
  const { test } = stratifiedSplit(loadSensorReadings(), { seed, testFraction, label: (r) => r.label });
  // All held-out anomalies plus normals up to 500, so parity covers high scores, not just the bulk near 0.
  const anomalies = test.filter((r) => r.label === 1);
  heldOut = [...anomalies, ...test.filter((r) => r.label === 0).slice(0, 500 - anomalies.length)];
}, 120_000);

afterAll(() => mlp?.model.dispose());

const sensorOptions = { inputNames: ['humidity', 'temperature'], outputName: SENSOR_ANOMALY_OUTPUT };

function column(values: readonly number[], dims: number[] = [values.length]): Tensor {
  return new Tensor('float32', Float32Array.from(values), dims);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('exportMlpOnnx on the sensor MLP', () => {
  it('when run by onnxruntime on 500 held-out readings, then it matches tfjs to 1e-5', async () => {
    const session = await InferenceSession.create(exportMlpOnnx(mlp.model, sensorOptions));
    const result = await session.run({
      humidity: column(heldOut.map((r) => r.humidity)),
      temperature: column(heldOut.map((r) => r.temperature)),
    });
    const ort = result[SENSOR_ANOMALY_OUTPUT]!;
    const expected = predictSensorAnomalyMlp(tf, mlp.model, heldOut);

    expect(ort.dims).toEqual([500]);
    const diff = maxAbsDiff(ort.data as Float32Array, expected);
    console.info(`sensor MLP (3 epochs), 500 held-out readings: max |ORT - tfjs| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-5);
    // Guard against a vacuous match (e.g. both saturated at one value): the scores must vary.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1);
  });

  it('when loaded, then the graph takes the named [N] columns and emits the named [N] output', async () => {
    const session = await InferenceSession.create(exportMlpOnnx(mlp.model, sensorOptions));
    expect(session.inputNames).toEqual(['humidity', 'temperature']);
    expect(session.outputNames).toEqual([SENSOR_ANOMALY_OUTPUT]);
  });

  it('when the input names do not match the model inputs, then export refuses', () => {
    expect(() => exportMlpOnnx(mlp.model, { ...sensorOptions, inputNames: ['humidity'] })).toThrow(/2 inputs, got 1/);
  });

  it('when the output name equals an input name, then export refuses', () => {
    expect(() => exportMlpOnnx(mlp.model, { ...sensorOptions, outputName: 'humidity' })).toThrow(/used twice/);
  });
});

describe('exportMlpOnnx on other activations and layers', () => {
  let model: LayersModel;

  beforeAll(() => {
    // tanh, an Activation layer, a bias-free linear Dense and a softmax over 3 classes.
    model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [4],
          units: 6,
          activation: 'tanh',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.dense({ units: 5, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        tf.layers.dense({
          units: 3,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
          biasInitializer: 'ones',
        }),
      ],
    });
  });

  afterAll(() => model?.dispose());

  it('when a [null, 4] → softmax(3) model runs in onnxruntime, then it matches tfjs to 1e-5 and rows sum to 1', async () => {
    const rows = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(3 * i) * 2, i / 16 - 2, (i % 7) - 3]);
    const expected = tf.tidy(() =>
      Array.from((model.predict(tf.tensor2d(rows)) as ReturnType<Tf['tensor2d']>).dataSync()),
    );
    const session = await InferenceSession.create(exportMlpOnnx(model, { inputNames: ['x'], outputName: 'probs' }));
    const ort = (await session.run({ x: column(rows.flat(), [64, 4]) })).probs!;

    expect(ort.dims).toEqual([64, 3]);
    expect(maxAbsDiff(ort.data as Float32Array, expected)).toBeLessThan(1e-5);
    const first = Array.from(ort.data as Float32Array).slice(0, 3);
    expect(first.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('when the model has a layer type the exporter does not know, then export names it and refuses', () => {
    const input = tf.input({ shape: [2], name: 'x' });
    const normalised = tf.layers.batchNormalization({ name: 'bn' }).apply(input) as SymbolicTensor;
    const output = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(normalised) as SymbolicTensor;
    const withBatchNorm = tf.model({ inputs: input, outputs: output });
    expect(() => exportMlpOnnx(withBatchNorm, { inputNames: ['x'], outputName: 'p' })).toThrow(
      /layer bn is a BatchNormalization/,
    );
    withBatchNorm.dispose();
  });

  it('when a Dense layer uses an activation the exporter does not know, then export refuses', () => {
    const elu = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [2], units: 1, activation: 'elu', name: 'elu_dense' })],
    });
    expect(() => exportMlpOnnx(elu, { inputNames: ['x'], outputName: 'p' })).toThrow(/elu_dense uses activation elu/);
    elu.dispose();
  });
});
