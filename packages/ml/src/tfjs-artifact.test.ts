import { beforeAll, describe, expect, it } from 'vitest';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { loadTf } from './tf-backend.ts';
import type { Tf } from './tf-backend.ts';
import { loadTfjsModel, serializeTfjsModel } from './tfjs-artifact.ts';

let tf: Tf;

beforeAll(async () => {
  ({ tf } = await loadTf());
});

function smallModel(): LayersModel {
  const model = tf.sequential({ name: 'small' });
  model.add(
    tf.layers.dense({
      inputShape: [3],
      units: 4,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      biasInitializer: 'ones',
    }),
  );
  model.add(
    tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  );
  return model;
}

function predict(model: LayersModel, rows: number[][]): number[] {
  return tf.tidy(() => Array.from((model.predict(tf.tensor2d(rows)) as Tensor).dataSync()));
}

describe('serializeTfjsModel / loadTfjsModel', () => {
  const rows = [
    [0.5, -1, 2],
    [3, 0.25, -0.75],
    [-2, -2, -2],
  ];

  it('when a model is written to one file and read back, then it predicts exactly the same', async () => {
    const model = smallModel();
    const loaded = await loadTfjsModel(await serializeTfjsModel(model));
    expect(predict(loaded, rows)).toEqual(predict(model, rows));
    expect(loaded.outputs[0]!.shape).toEqual([null, 1]);
    model.dispose();
    loaded.dispose();
  });

  it('when a loaded model is written again, then the bytes are identical', async () => {
    const model = smallModel();
    const bytes = await serializeTfjsModel(model);
    const loaded = await loadTfjsModel(bytes);
    expect(Buffer.from(await serializeTfjsModel(loaded)).equals(Buffer.from(bytes))).toBe(true);
    model.dispose();
    loaded.dispose();
  });

  it('when serialised, then the file is JSON with the topology, weight specs and base64 weights', async () => {
    const model = smallModel();
    const file = JSON.parse(new TextDecoder().decode(await serializeTfjsModel(model))) as Record<string, unknown>;
    model.dispose();
    expect(Object.keys(file).sort()).toEqual(['format', 'modelTopology', 'weightData', 'weightSpecs']);
    // Two dense layers: 3×4 + 4 + 4×1 + 1 = 21 float32 weights.
    expect(Buffer.from(file.weightData as string, 'base64')).toHaveLength(21 * 4);
    expect((file.weightSpecs as { name: string }[]).map((s) => s.name)).toHaveLength(4);
  });

  it('when the bytes are not our format, then loading says so', async () => {
    await expect(loadTfjsModel(new TextEncoder().encode('{"format":"other"}'))).rejects.toThrow(/expected format/);
    await expect(loadTfjsModel(new TextEncoder().encode('not json'))).rejects.toThrow(/not JSON/);
  });
});
