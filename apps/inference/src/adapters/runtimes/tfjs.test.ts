import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TFJS_ARTIFACT_FILE,
  loadSensorReadings,
  loadTf,
  readModelVersion,
  serializeTfjsModel,
  trainSensorAnomalyMlp,
  writeModelVersion,
} from '@meridian/ml';
import type { ModelMetadata, SensorAnomalyMlp, Tf } from '@meridian/ml';
import type { LayersModel } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRuntime, TensorMap } from '../../domain/ports.ts';
import { tfjsRuntime } from './tfjs.ts';

let tf: Tf;
let repository: string;
let mlp: SensorAnomalyMlp;
let artifactPath: string;
let runtime: ModelRuntime;

// Five readings that include anomalies, so the check covers high scores as well as low ones.
const readings = (() => {
  const rows = loadSensorReadings();
  return [...rows.filter((r) => r.label === 1).slice(0, 2), ...rows.filter((r) => r.label === 0).slice(0, 3)];
})();

function request(rows: readonly { humidity: number; temperature: number }[]): TensorMap {
  const column = (pick: (r: { humidity: number; temperature: number }) => number) => ({
    datatype: 'FP32' as const,
    dims: [rows.length],
    data: Float32Array.from(rows.map(pick)),
  });
  return { humidity: column((r) => r.humidity), temperature: column((r) => r.temperature) };
}

/**
 * The MLP's forward pass in plain arithmetic from its layer weights, so the check does not rest on
 * TensorFlow.js computing what it serves: [h, t, h·t] → standardise → dense relu → dense sigmoid.
 */
function forwardByHand(model: LayersModel, rows: readonly { humidity: number; temperature: number }[]): number[] {
  const weights = (name: string) =>
    model
      .getLayer(name)
      .getWeights()
      .map((w) => w.arraySync()) as [number[][], number[]];
  const dense = (x: number[], [kernel, bias]: [number[][], number[]]) =>
    bias.map((b, j) => x.reduce((s, v, i) => s + v * kernel[i]![j]!, b));
  const [standardize, hidden, output] = ['standardize', 'hidden', 'anomaly_probability'].map(weights);
  return rows.map(({ humidity, temperature }) => {
    const z = dense([humidity, temperature, humidity * temperature], standardize!);
    const h = dense(z, hidden!).map((v) => Math.max(0, v));
    return 1 / (1 + Math.exp(-dense(h, output!)[0]!));
  });
}

beforeAll(async () => {
  ({ tf } = await loadTf());
  repository = await mkdtemp(join(tmpdir(), 'tfjs-runtime-'));
  // A few epochs: this tests the serving path, not the model's quality.
  mlp = await trainSensorAnomalyMlp({ version: '1', epochs: 3 });
  await writeModelVersion({
    repository,
    name: 'sensor-anomaly',
    version: '1',
    artifact: mlp.artifact,
    artifactFile: TFJS_ARTIFACT_FILE,
    metadata: mlp.metadata,
  });
  ({ artifactPath } = await readModelVersion({ repository, name: 'sensor-anomaly', version: '1' }));
  runtime = await tfjsRuntime.load({ artifactPath, metadata: mlp.metadata, threads: 1 });
}, 120_000);

afterAll(async () => {
  await runtime?.release();
  mlp?.model.dispose();
  await rm(repository, { recursive: true, force: true });
});

describe('tfjsRuntime', () => {
  it('when a stored tfjs model version runs on five readings, then it returns the forward pass of the trained weights', async () => {
    const out = await runtime.run(request(readings), ['anomaly_probability']);
    expect(Object.keys(out)).toEqual(['anomaly_probability']);
    const { datatype, dims, data } = out.anomaly_probability!;
    expect({ datatype, dims }).toEqual({ datatype: 'FP32', dims: [5] });
    expect(data).toBeInstanceOf(Float32Array);
    const expected = forwardByHand(mlp.model, readings);
    expect(new Set(expected).size).toBe(5);
    // Float32 serving against float64 by hand: agreement within 5e-6 leaves room only for float32 rounding.
    [...(data as Float32Array)].forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 5));
  });

  it('when asked for an output the model lacks or given no temperature, then the request fails', async () => {
    await expect(runtime.run(request(readings), ['logits'])).rejects.toThrow('model has no output logits');
    const { humidity } = request(readings);
    await expect(runtime.run({ humidity: humidity! }, ['anomaly_probability'])).rejects.toThrow(
      'missing input temperature',
    );
  });

  it('when the inputs have different batch sizes, then the request fails instead of broadcasting', async () => {
    const inputs = { ...request(readings), temperature: request(readings.slice(0, 1)).temperature! };
    await expect(runtime.run(inputs, ['anomaly_probability'])).rejects.toThrow(
      'input temperature has batch 1, expected 5',
    );
  });

  it('when a model takes one [N, 2] matrix, then the named inputs become its columns in metadata order', async () => {
    const model = tf.sequential();
    // Output = 10·humidity + 1·temperature, so swapped columns would show.
    model.add(tf.layers.dense({ inputShape: [2], units: 1, name: 'anomaly_probability' }));
    model.layers[0]!.setWeights([tf.tensor2d([[10], [1]]), tf.tensor1d([0])]);
    const path = join(repository, 'stacked.tfjs.json');
    await writeFile(path, await serializeTfjsModel(model));
    model.dispose();
    const stacked = await tfjsRuntime.load({ artifactPath: path, metadata: mlp.metadata, threads: 1 });
    const out = await stacked.run(request([{ humidity: 2, temperature: 3 }]), ['anomaly_probability']);
    await stacked.release();
    expect([...(out.anomaly_probability!.data as Float32Array)]).toEqual([23]);
  });

  it('when the metadata names inputs the model does not take, then loading fails', async () => {
    const metadata: ModelMetadata = { ...mlp.metadata, inputs: [{ name: 'pressure', datatype: 'FP32', shape: [-1] }] };
    await expect(tfjsRuntime.load({ artifactPath, metadata, threads: 1 })).rejects.toThrow(
      /match neither the declared inputs pressure/,
    );
  });
});
