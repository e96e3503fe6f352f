import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeFor } from '@meridian/inference/runtimes';
import { trainSensorAnomalyBaseline } from '@meridian/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// node-ort.mjs is the floor bench:inference compares the inference app with: it must run the
// same model and answer what the model answers, or the floor would be a different workload.
let dir: string;
let child: ChildProcess;
let url: string;
const trained = trainSensorAnomalyBaseline();
const row = { humidity: 45.9, temperature: 27.97 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'node-ort-'));
  await writeFile(join(dir, 'model.onnx'), trained.onnx);
  child = spawn(process.execPath, [join(import.meta.dirname, 'node-ort.mjs'), join(dir, 'model.onnx')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`node-ort.mjs exited (${code}) before listening`)));
  });
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  child?.kill();
  await rm(dir, { recursive: true, force: true });
});

const post = (body: string, model = 'sensor-anomaly') =>
  fetch(`${url}/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('node-ort.mjs, the floor under the inference app', () => {
  it('answers the model outputs that ONNX Runtime gives in process, under the model name the path gives', async () => {
    const res = await post(
      JSON.stringify({
        inputs: [
          { name: 'humidity', shape: [1], datatype: 'FP32', data: [row.humidity] },
          { name: 'temperature', shape: [1], datatype: 'FP32', data: [row.temperature] },
        ],
      }),
    );
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      model_name: string;
      outputs: { name: string; shape: number[]; data: number[] }[];
    };
    expect(answer.model_name).toBe('sensor-anomaly');

    const runtime = await runtimeFor('onnx').load({
      artifactPath: join(dir, 'model.onnx'),
      metadata: trained.metadata,
      threads: 1,
    });
    const names = trained.metadata.outputs.map((o) => o.name);
    const expected = await runtime.run(
      {
        humidity: { datatype: 'FP32', dims: [1], data: Float32Array.of(row.humidity) },
        temperature: { datatype: 'FP32', dims: [1], data: Float32Array.of(row.temperature) },
      },
      names,
    );
    await runtime.release();
    expect(answer.outputs.map((o) => o.name).sort()).toEqual([...names].sort());
    for (const o of answer.outputs) {
      expect(o.shape).toEqual(expected[o.name]!.dims);
      expect(o.data).toEqual(Array.from(expected[o.name]!.data as Float32Array, Number));
    }
  });

  it("when the path names the model 'sensor-anomaly-b', then the answer's model_name is that name", async () => {
    const res = await post(
      JSON.stringify({
        inputs: [
          { name: 'humidity', shape: [1], datatype: 'FP32', data: [row.humidity] },
          { name: 'temperature', shape: [1], datatype: 'FP32', data: [row.temperature] },
        ],
      }),
      'sensor-anomaly-b',
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model_name: string }).model_name).toBe('sensor-anomaly-b');
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await post('{"inputs": [');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/JSON/);
  });
});
