import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { InferResponse } from '@meridian/contracts';
import { createLogger } from '@meridian/service-kit';
import { ModelStore } from '../domain/model-store.ts';
import { PredictionLog } from '../domain/prediction-log.ts';
import { ControlledRuntimes, MemoryPublisher, writeXkModel } from '../testing/fakes.ts';
import { inferenceTestEnv, serveInference } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
const repository = await mkdtemp(join(tmpdir(), 'inference-binary-'));
// The fake runtime answers every output with the first input (x) doubled, as FP32.
await writeXkModel({ repository, name: 'b' });
const env = inferenceTestEnv({ repository });
const store = new ModelStore({ repository, threads: 1, runtimes: new ControlledRuntimes().catalog });
await store.loadAll();
const publisher = new MemoryPublisher();
const served = await serveInference({ env, store, log: new PredictionLog({ publisher, random: () => 0 }) });
afterAll(async () => {
  await served.close();
  await rm(repository, { recursive: true, force: true });
});
beforeEach(() => void publisher.sent.splice(0));

const X = [0.1, -2.5, 3e7, 1 / 3, 0, 42];
const K = [7, -9];
const fp32 = (v: number[]) => Buffer.from(Float32Array.from(v).buffer);
const int64 = (v: number[]) => Buffer.from(BigInt64Array.from(v, (n) => BigInt(n)).buffer);
const xJson = { name: 'x', datatype: 'FP32', shape: [2, 3], data: X };
const kJson = { name: 'k', datatype: 'INT64', shape: [2], data: K };
const xBinary = { name: 'x', datatype: 'FP32', shape: [2, 3], parameters: { binary_data_size: 24 } };
const kBinary = { name: 'k', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } };

/** POSTs JSON then bytes with the JSON part's length; `type` undefined sends no content type, as Triton's client does. */
function post(o: { json: unknown; parts?: Buffer[]; type?: string; base?: string; headerLength?: string }) {
  const head = Buffer.from(JSON.stringify(o.json));
  return fetch(`${o.base ?? served.base}/v2/models/b/infer`, {
    method: 'POST',
    headers: {
      'dapr-api-token': env.APP_API_TOKEN,
      'inference-header-content-length': o.headerLength ?? String(head.byteLength),
      ...(o.type ? { 'content-type': o.type } : {}),
    },
    body: Buffer.concat([head, ...(o.parts ?? [])]),
  });
}

/** A binary answer split into its JSON part and its bytes. */
async function split(res: Response): Promise<{ json: InferResponse; bytes: Buffer }> {
  const body = Buffer.from(await res.arrayBuffer());
  const length = Number(res.headers.get('inference-header-content-length'));
  return { json: JSON.parse(body.subarray(0, length).toString()), bytes: body.subarray(length) };
}
const eventInputs = () => (publisher.sent.at(-1)!.data as { inputs: Record<string, number[]> }).inputs;

describe('POST /v2/models/:name/infer with binary tensors', () => {
  it('when inputs come in binary, then the answer and the recorded inputs equal those of the same request in JSON', async () => {
    const fromJson = await served.send('POST', '/v2/models/b/infer', { id: 'r', inputs: [xJson, kJson] });
    const jsonInputs = eventInputs();
    const fromBinary = await post({ json: { id: 'r', inputs: [xBinary, kBinary] }, parts: [fp32(X), int64(K)] });
    expect(fromBinary.status).toBe(200);
    expect(fromBinary.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await fromBinary.json()) as InferResponse;
    expect(answer).toEqual(await fromJson.json());
    expect(answer.outputs[0]!.data).toEqual(X.map((v) => Math.fround(Math.fround(v) * 2)));
    // JSON numbers become FP32 in the model; the binary ones already were.
    expect(eventInputs().x).toEqual(jsonInputs.x!.map(Math.fround));
    expect(eventInputs().k).toEqual(K);
  });

  it('when outputs are asked in binary, then the answer is octet-stream whose bytes hold the JSON answer values', async () => {
    const json = await served.call('POST', '/v2/models/b/infer', { inputs: [xJson, kJson] });
    const res = await post({
      json: { inputs: [xBinary, kJson], outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 'z' }] },
      parts: [fp32(X)],
      type: 'application/octet-stream',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/octet-stream/);
    const { json: head, bytes } = await split(res);
    expect(head.outputs.map((o) => [o.name, o.parameters?.binary_data_size, o.data])).toEqual([
      ['y', 24, undefined],
      ['z', undefined, json.body.outputs[1].data],
    ]);
    expect(Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 24)))).toEqual(
      json.body.outputs[0].data,
    );
    expect(bytes.byteLength).toBe(24);
  });

  it('when a JSON request sets binary_data_output, then every output comes back in binary, in output order', async () => {
    const res = await post({
      json: { inputs: [xJson, kBinary], parameters: { binary_data_output: true } },
      parts: [int64(K)],
    });
    const { json, bytes } = await split(res);
    expect(json.outputs.map((o) => [o.name, o.parameters?.binary_data_size])).toEqual([
      ['y', 24],
      ['z', 24],
    ]);
    expect(bytes.byteLength).toBe(48);
    expect(eventInputs().k).toEqual(K);
  });

  it.each([
    ['the header is missing', () => fetchOctets(Buffer.from('{}')), 'needs the Inference-Header-Content-Length header'],
    [
      'the header is larger than the body',
      () => post({ json: {}, headerLength: '999' }),
      'is 999 but the body has only 2 bytes',
    ],
    [
      'binary_data_size does not fit the shape',
      () => post({ json: { inputs: [{ ...xBinary, parameters: { binary_data_size: 20 } }, kJson] }, parts: [fp32(X)] }),
      'binary_data_size is 20 but FP32 × [2, 3] takes 24 bytes',
    ],
    [
      'bytes are left over',
      () => post({ json: { inputs: [xBinary, kJson] }, parts: [fp32([...X, 1])] }),
      '4 bytes are left over',
    ],
    [
      'the datatype is unknown',
      () => post({ json: { inputs: [{ ...xBinary, datatype: 'FP12' }, kJson] }, parts: [fp32(X)] }),
      'unknown datatype "FP12"',
    ],
    [
      "the binary datatype is not the model's",
      () => post({ json: { inputs: [{ ...xBinary, datatype: 'INT32' }, kJson] }, parts: [fp32(X)] }),
      'input x must be FP32, got INT32',
    ],
  ])('when %s, then 400 problem+json says so', async (_case, send, detail) => {
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'BAD_REQUEST', detail: expect.stringContaining(detail) });
    expect(publisher.sent).toEqual([]);
  });

  it('when an FP32 input of 1 MB comes in binary, then it is served', async () => {
    const values = Array.from({ length: 262_144 }, (_, i) => i % 1000);
    const res = await post({
      json: {
        inputs: [
          { ...xBinary, shape: [1, values.length], parameters: { binary_data_size: 1 << 20 } },
          { ...kJson, shape: [1], data: [1] },
        ],
        outputs: [{ name: 'y', parameters: { binary_data: true } }],
      },
      parts: [fp32(values)],
    });
    expect(res.status).toBe(200);
    const { json, bytes } = await split(res);
    expect(json.outputs[0]!.shape).toEqual([1, 262_144]);
    const y = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect([y.length, y[999], y[1000]]).toEqual([262_144, 1998, 0]);
  });
});

function fetchOctets(body: Buffer) {
  return fetch(`${served.base}/v2/models/b/infer`, {
    method: 'POST',
    headers: { 'dapr-api-token': env.APP_API_TOKEN, 'content-type': 'application/octet-stream' },
    body,
  });
}

describe('a binary body labelled application/json', () => {
  it('when it carries Inference-Header-Content-Length, then the app reads it as binary, not as JSON', async () => {
    const res = await post({ json: { inputs: [xBinary, kJson] }, parts: [fp32(X)], type: 'application/json' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as InferResponse).outputs[0]!.data).toEqual(
      X.map((v) => Math.fround(Math.fround(v) * 2)),
    );
  });
});
