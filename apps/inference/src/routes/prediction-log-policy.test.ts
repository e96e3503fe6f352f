import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PredictionEvent } from '@meridian/contracts';
import { writeModelVersion } from '@meridian/ml';
import { createLogger } from '@meridian/service-kit';
import { ModelStore } from '../domain/model-store.ts';
import { MASKED, PredictionLog } from '../domain/prediction-log.ts';
import { ControlledRuntimes, MemoryPublisher } from '../testing/fakes.ts';
import { inferenceTestEnv, serveInference } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
const repository = await mkdtemp(join(tmpdir(), 'inference-log-policy-'));
const card = {
  platform: 'onnx',
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1] },
    { name: 'z', datatype: 'FP32', shape: [-1] },
  ],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
};
await writeModelVersion({ repository, name: 'm', version: '1', artifact: Buffer.from('weights of m'), metadata: card });

const env = inferenceTestEnv({ repository });
const store = new ModelStore({ repository, threads: 1, runtimes: new ControlledRuntimes().catalog });
await store.loadAll();
const publisher = new MemoryPublisher();
// The sampling draws, in turn: 0.1, 0.6, 0.3, 0.9, … (half of them under 0.5).
const draws = [0.1, 0.6, 0.3, 0.9];
let drawn = 0;
const log = new PredictionLog({ publisher, random: () => draws[drawn++ % draws.length]! });
const served = await serveInference({ env, store, log });
afterAll(async () => {
  await served.close();
  await rm(repository, { recursive: true, force: true });
});

const call = served.send;
const infer = (id: string) =>
  call('POST', '/v2/models/m/infer', {
    id,
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [1], data: [7] },
      { name: 'z', datatype: 'FP32', shape: [1], data: [3] },
    ],
  });

describe('the prediction log, as the model policy sets it', () => {
  it('when the policy samples half and lists x as PII, then only the sampled requests are published, each with x masked and z kept, and every request is still answered', async () => {
    expect(
      (await call('PUT', '/v2/models/m/policy', { prediction_log: { sample_rate: 0.5, pii_inputs: ['x'] } })).status,
    ).toBe(200);
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await infer(`r${i}`));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(((await answers[0]!.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([14]);
    const events = publisher.sent.map((s) => s.data as PredictionEvent);
    expect(events.map((e) => e.id)).toEqual(['r0', 'r2', 'r4', 'r6']);
    for (const e of events) expect(e.inputs).toEqual({ x: [MASKED], z: [3] });
  });
});
