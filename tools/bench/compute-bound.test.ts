import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeFor, type TensorMap } from '@meridian/inference/runtimes';
import {
  SENSOR_ANOMALY_MLP_PARAMS,
  SENSOR_ANOMALY_OUTPUT,
  binaryMetrics,
  buildSensorAnomalyMlpModel,
  featureMoments,
  loadSensorReadings,
  loadTf,
  readModelVersion,
  sensorAnomalyFeatures,
  standardizeRow,
  stratifiedSplit,
  type ModelMetadata,
  type SensorReading,
} from '@meridian/ml';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPUTE_BOUND_SPEC, writeComputeBoundModels } from './compute-bound.ts';
import { trainingGraph } from './ort-trainer.ts';
import type { ComputeBoundModel, ComputeBoundSpec } from './compute-bound.ts';

// Tiny models: what is under test is the training step, the cache and the written versions.
const tiny: ComputeBoundSpec = {
  mlp: { name: 'sensor-anomaly-mlp', epochs: 1 },
  wide: { ...COMPUTE_BOUND_SPEC.wide, hiddenLayers: [16, 8], epochs: 1, learningRate: 3e-3 },
};

let dir: string;
let first: ComputeBoundModel[];
let split: { train: SensorReading[]; test: SensorReading[] };
const fp32 = (data: Float32Array, dims: number[]) => ({ datatype: 'FP32' as const, dims, data });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'compute-bound-'));
  first = await writeComputeBoundModels({
    repository: join(dir, 'a'),
    cacheDir: join(dir, 'cache'),
    spec: tiny,
    say: () => {},
  });
  const { seed, testFraction } = SENSOR_ANOMALY_MLP_PARAMS;
  split = stratifiedSplit(loadSensorReadings(), { seed, testFraction, label: (r) => r.label });
}, 120_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('writeComputeBoundModels', () => {
  it('when written, then each model in its runtime scores the held-out split as its card says', async () => {
    expect(first.map((m) => [m.name, m.platform, m.cached])).toEqual([
      ['sensor-anomaly-mlp', 'tfjs', false],
      ['sensor-anomaly-wide', 'onnx', false],
    ]);
    for (const model of first) {
      const { metadata, artifactPath } = await readModelVersion({
        repository: join(dir, 'a'),
        name: model.name,
        version: '1',
      });
      const card = metadata as unknown as ModelMetadata;
      expect(card).toMatchObject({ name: model.name, version: '1', platform: model.platform });
      const runtime = await runtimeFor(card.platform).load({ artifactPath, metadata: card, threads: 1 });
      const { test } = split;
      const out = await runtime.run(
        {
          humidity: fp32(
            Float32Array.from(test, (r) => r.humidity),
            [test.length],
          ),
          temperature: fp32(
            Float32Array.from(test, (r) => r.temperature),
            [test.length],
          ),
        },
        [SENSOR_ANOMALY_OUTPUT],
      );
      await runtime.release();
      const scores = Array.from(out[SENSOR_ANOMALY_OUTPUT]!.data as Float32Array);
      const served = binaryMetrics({ yTrue: test.map((r) => r.label), scores, threshold: card.threshold! });
      expect(served.support).toEqual({ positive: 37, negative: 4691 });
      expect(served.confusion).toEqual(card.metrics!.confusion);
      expect(model.heldOut).toEqual(card.metrics);
    }
  });

  it('when called again with the same cache, then both come from it and the artifacts are the same bytes', async () => {
    const again = await writeComputeBoundModels({
      repository: join(dir, 'b'),
      cacheDir: join(dir, 'cache'),
      spec: tiny,
      say: () => {},
    });
    expect(again.map((m) => m.cached)).toEqual([true, true]);
    for (const model of again) {
      const [a, b] = await Promise.all(
        ['a', 'b'].map((repo) => readModelVersion({ repository: join(dir, repo), name: model.name, version: '1' })),
      );
      expect(b!.metadata).toEqual(a!.metadata);
    }
    // Only finished entries: temp folders were renamed into place.
    expect((await readdir(join(dir, 'cache'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('when one model’s parameters change, then only that one is trained again', async () => {
    const changed = await writeComputeBoundModels({
      repository: join(dir, 'c'),
      cacheDir: join(dir, 'cache'),
      spec: { ...tiny, wide: { ...tiny.wide, epochs: 2 } },
      say: () => {},
    });
    expect(changed.map((m) => m.cached)).toEqual([true, false]);
    expect(await readdir(join(dir, 'cache'))).toHaveLength(3);
  }, 60_000);
});

describe('trainingGraph', () => {
  it('when run on a batch, then its gradients and Adam step match TensorFlow.js on the same weighted loss', async () => {
    // A fan-in of 32 > 16 gives W2 half the rate, so the per-layer scaling is checked too.
    const { tf } = await loadTf();
    const moments = featureMoments(split.train.map(sensorAnomalyFeatures));
    const model = buildSensorAnomalyMlpModel(tf, { ...moments, hiddenLayers: [32, 4], seed: 3 });
    const rows = [...split.train.filter((r) => r.label === 1).slice(0, 3), ...split.train.slice(0, 9)];
    const weights = rows.map((r) => (r.label === 1 ? 4 : 1) / rows.length);
    const variables = model.trainableWeights.map((w) => w.read() as Variable);
    const names = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'];
    expect(variables.map((v) => v.shape)).toEqual([[3, 32], [32], [32, 4], [4], [4, 1], [1]]);
    const rates = [0.01, 0.01, 0.005, 0.01, 0.01, 0.01];

    const feeds: TensorMap = {
      x: fp32(
        Float32Array.from(rows.flatMap((r) => standardizeRow(sensorAnomalyFeatures(r), moments.means, moments.stds))),
        [rows.length, 3],
      ),
      y: fp32(
        Float32Array.from(rows, (r) => r.label),
        [rows.length, 1],
      ),
      w: fp32(Float32Array.from(weights), [rows.length, 1]),
      c1: fp32(Float32Array.of(1 / (1 - 0.9)), [1]),
      c2: fp32(Float32Array.of(1 / (1 - 0.999)), [1]),
      learning_rate: fp32(Float32Array.of(0.01), [1]),
    };
    variables.forEach((v, i) => {
      feeds[names[i]!] = fp32(Float32Array.from(v.dataSync()), [...v.shape]);
      feeds[`m_${names[i]}`] = fp32(new Float32Array(v.size), [...v.shape]);
      feeds[`v_${names[i]}`] = fp32(new Float32Array(v.size), [...v.shape]);
    });
    const artifactPath = join(dir, 'training-graph.onnx'); // removed with dir in afterAll
    await writeFile(artifactPath, trainingGraph({ widths: [3, 32, 4, 1] }));
    const metadata: ModelMetadata = {
      name: 't',
      version: '1',
      platform: 'onnx',
      inputs: [],
      outputs: [],
      created_at: '',
    };
    const runtime = await runtimeFor('onnx').load({
      artifactPath,
      metadata,
      threads: 1,
    });
    // Every output in graph order: onnxruntime-node 1.23 mislabels any other selection (see trainingGraph).
    const every = [
      ...names.flatMap((n) => [`${n}_next`, `m_${n}_next`, `v_${n}_next`]),
      'p',
      ...names.map((n) => `grad_${n}`),
    ];
    const out = await runtime.run(feeds, every);
    await runtime.release();

    const inputs = ['humidity', 'temperature'].map((k) =>
      tf.tensor2d(
        rows.map((r) => r[k as 'humidity' | 'temperature']),
        [rows.length, 1],
      ),
    );
    const y = tf.tensor1d(rows.map((r) => r.label));
    const w = tf.tensor1d(weights);
    const scores = () => (model.apply(inputs) as Tensor).reshape([rows.length]);
    const loss = () =>
      tf.tidy(() => {
        const p = scores();
        const likelihood = tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))));
        return tf.neg(tf.sum(tf.mul(w, likelihood))) as Scalar;
      });
    const close = (actual: Float32Array, expected: Float32Array | number[]) => {
      const scale = Math.max(...Array.from(expected, Math.abs), 1e-3);
      Array.from(expected).forEach((e, i) => expect(Math.abs(actual[i]! - e) / scale).toBeLessThan(1e-4));
    };
    close(out.p!.data as Float32Array, scores().dataSync() as Float32Array);
    const { grads } = tf.variableGrads(loss, variables);
    variables.forEach((v, i) =>
      close(out[`grad_${names[i]}`]!.data as Float32Array, grads[v.name]!.dataSync() as Float32Array),
    );
    // Gradients that are all zero would make the comparison above vacuous.
    for (const v of variables)
      expect(Math.max(...Array.from(grads[v.name]!.dataSync(), Math.abs))).toBeGreaterThan(1e-4);
    variables.forEach((v, i) =>
      tf.train.adam(rates[i], 0.9, 0.999, 1e-7).applyGradients([{ name: v.name, tensor: grads[v.name]! }]),
    );
    variables.forEach((v, i) => close(out[`${names[i]}_next`]!.data as Float32Array, v.dataSync() as Float32Array));
    model.dispose();
  });
});
