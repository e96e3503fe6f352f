import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SPAM_GRAPH_INPUTS,
  SPAM_INPUT,
  SPAM_MODEL_NAME,
  SPAM_OUTPUT,
  SPAM_TEXT_SPEC,
  batchTensors,
  exportSparseLogisticOnnx,
  predictSparseProba,
  vectorizeText,
  writeModelVersion,
} from '@meridian/ml';
import { createLogger } from '@meridian/service-kit';
import { inferenceTestEnv, serveInference } from '../testing/serve.ts';
import { runtimeFor } from '../adapters/runtimes/index.ts';
import { ModelStore } from '../domain/model-store.ts';

createLogger({ name: 'test', level: 'silent' });

/**
 * A spam model shaped as trainSpam makes it (the same text spec, graph and card transform), with
 * weights set by hand on the words of one spam line: training it for real takes ~20 s, and
 * serving is what is tested here.
 */
const SPAMMY = 'Subject: cheap pills\n\nbuy cheap pills now, limited offer';
const weights = new Float32Array(SPAM_TEXT_SPEC.dimensions);
for (const i of vectorizeText(SPAM_TEXT_SPEC, SPAMMY).indices) weights[i] = 8;
const model = { weights, bias: Math.fround(-2) };
const card = {
  name: SPAM_MODEL_NAME,
  version: '1',
  platform: 'onnx',
  created_at: '2026-01-01T00:00:00Z',
  threshold: 0.5,
  inputs: batchTensors([SPAM_INPUT], 'BYTES'),
  outputs: batchTensors([SPAM_OUTPUT]),
  transform: { ...SPAM_TEXT_SPEC, input: SPAM_INPUT, graph_inputs: { ...SPAM_GRAPH_INPUTS } },
};
const repository = await mkdtemp(join(tmpdir(), 'inference-spam-'));
const artifact = exportSparseLogisticOnnx(model, {
  indicesName: SPAM_GRAPH_INPUTS.indices,
  valuesName: SPAM_GRAPH_INPUTS.values,
  outputName: SPAM_OUTPUT,
});
await writeModelVersion({ repository, name: SPAM_MODEL_NAME, version: '1', artifact, metadata: card });

const env = inferenceTestEnv({ repository });
const store = new ModelStore({ repository, threads: 1, runtimes: runtimeFor });
await store.loadAll();
const served = await serveInference({ env, store });
afterAll(async () => {
  await served.close();
  await store.close();
  await rm(repository, { recursive: true, force: true });
});

const infer = (inputs: unknown[]) => served.send('POST', `/v2/models/${SPAM_MODEL_NAME}/infer`, { inputs });

describe('the spam model, served with raw text', () => {
  it("when mails are sent as BYTES text, then the card's transform vectorises them and each score is the model's probability for that text", async () => {
    const texts = [SPAMMY, 'Subject: minutes\n\nthe meeting moved to Tuesday'];
    const res = await infer([{ name: SPAM_INPUT, datatype: 'BYTES', shape: [2], data: texts }]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model_version: string; outputs: { name: string; data: number[] }[] };
    const [spam, ham] = body.outputs.find((o) => o.name === SPAM_OUTPUT)!.data;
    const expected = predictSparseProba(
      model,
      texts.map((t) => vectorizeText(SPAM_TEXT_SPEC, t)),
    );
    expect(Math.abs(spam! - expected[0]!)).toBeLessThan(1e-6);
    expect(Math.abs(ham! - expected[1]!)).toBeLessThan(1e-6);
    expect([spam! > 0.5, ham! > 0.5]).toEqual([true, false]);
  });

  it('when the text comes as numbers instead of BYTES, then 400 names the input', async () => {
    const res = await infer([{ name: SPAM_INPUT, datatype: 'FP32', shape: [1], data: [1] }]);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain(SPAM_INPUT);
  });
});
