import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InferResponse } from '@meridian/contracts';
import { createLogger, GrpcCode } from '@meridian/service-kit';
import { oipGrpcClient } from '@meridian/testkit';
import { ModelStore } from '../domain/model-store.ts';
import { ControlledRuntimes, writeXkModel } from '../testing/fakes.ts';
import { inferenceTestEnv, runInference } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
const repository = await mkdtemp(join(tmpdir(), 'inference-grpc-'));
// The fake runtime answers every output with the first input (x) doubled, as FP32.
await writeXkModel({ repository, name: 'g' });
const env = inferenceTestEnv({ repository });
const store = new ModelStore({ repository, threads: 1, runtimes: new ControlledRuntimes().catalog });
await store.loadAll();
const running = await runInference({ env, store });
const address = `127.0.0.1:${running.port}`;
const grpc = oipGrpcClient({ address, metadata: { 'dapr-api-token': env.APP_API_TOKEN } });
afterAll(async () => {
  grpc.close();
  await running.stop();
  await rm(repository, { recursive: true, force: true });
});

const X = [0.1, -2.5, 3e7, 1 / 3, 0, 42];
const K = [7, -9];
const fp32 = (v: number[]) => Buffer.from(Float32Array.from(v).buffer);
const int64 = (v: number[]) => Buffer.from(BigInt64Array.from(v, (n) => BigInt(n)).buffer);
const readFp32 = (b: Buffer) => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));

interface InferAnswer {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, { string_param?: string; bool_param?: boolean }>;
  outputs: { name: string; datatype: string; shape: number[] }[];
  raw_output_contents: Buffer[];
}

function rest(body: unknown): Promise<Response> {
  return fetch(`http://${address}/v2/models/g/infer`, {
    method: 'POST',
    headers: { 'dapr-api-token': env.APP_API_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('OIP over gRPC on the inference app port', () => {
  it('when ServerLive, ServerReady, ServerMetadata, ModelReady and ModelMetadata are called, then they answer as REST does', async () => {
    expect(await grpc.call('ServerLive', {})).toEqual({ ok: true, value: { live: true } });
    expect(await grpc.call('ServerReady', {})).toEqual({ ok: true, value: { ready: true } });
    const server = await grpc.call('ServerMetadata', {});
    const restServer = await (
      await fetch(`http://${address}/v2`, { headers: { 'dapr-api-token': env.APP_API_TOKEN } })
    ).json();
    expect(server).toEqual({ ok: true, value: restServer });
    expect(await grpc.call('ModelReady', { name: 'g' })).toEqual({ ok: true, value: { ready: true } });
    expect(await grpc.call('ModelReady', { name: 'g', version: '1' })).toEqual({ ok: true, value: { ready: true } });
    const meta = await grpc.call('ModelMetadata', { name: 'g' });
    expect(meta).toEqual({
      ok: true,
      value: {
        name: 'g',
        versions: ['1'],
        platform: 'fake_onnx',
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [-1, -1] },
          { name: 'k', datatype: 'INT64', shape: [-1] },
        ],
        outputs: [
          { name: 'y', datatype: 'FP32', shape: [-1, -1] },
          { name: 'z', datatype: 'FP32', shape: [-1, -1] },
        ],
      },
    });
  });

  it('when ModelInfer sends raw tensor contents, then the outputs equal those of the same request over REST JSON', async () => {
    const json = (await (
      await rest({
        id: 'r1',
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [2, 3], data: X },
          { name: 'k', datatype: 'INT64', shape: [2], data: K },
        ],
      })
    ).json()) as InferResponse;
    const answer = await grpc.call<InferAnswer>('ModelInfer', {
      model_name: 'g',
      id: 'r1',
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [2, 3] },
        { name: 'k', datatype: 'INT64', shape: [2] },
      ],
      raw_input_contents: [fp32(X), int64(K)],
    });
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    const r = answer.value;
    expect([r.model_name, r.model_version, r.id]).toEqual([json.model_name, json.model_version, 'r1']);
    expect(r.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual(
      json.outputs.map((o) => [o.name, o.datatype, o.shape]),
    );
    expect(r.raw_output_contents.map(readFp32)).toEqual(json.outputs.map((o) => o.data));
    expect(r.raw_output_contents[0]!.byteLength).toBe(24);
    expect(readFp32(r.raw_output_contents[0]!)).toEqual(X.map((v) => Math.fround(Math.fround(v) * 2)));
    // Each row gets its prediction id, as on REST.
    expect(r.parameters.prediction_ids?.string_param).toBe(json.parameters?.prediction_ids);
  });

  it('when ModelInfer sends typed contents and asks for one output, then it gets that output', async () => {
    const answer = await grpc.call<InferAnswer>('ModelInfer', {
      model_name: 'g',
      model_version: '1',
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 2], contents: { fp32_contents: [1.5, -4] } },
        { name: 'k', datatype: 'INT64', shape: [1], contents: { int64_contents: [3] } },
      ],
      outputs: [{ name: 'z' }],
    });
    expect(answer.ok && answer.value.outputs.map((o) => o.name)).toEqual(['z']);
    expect(answer.ok && readFp32(answer.value.raw_output_contents[0]!)).toEqual([3, -8]);
  });

  it('when a request is wrong, then the code and message say what was wrong, and nothing crashes', async () => {
    const cases: [object, number, RegExp][] = [
      [
        { model_name: 'nope', inputs: [{ name: 'x', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } }] },
        GrpcCode.NOT_FOUND,
        /nope/,
      ],
      [{ inputs: [] }, GrpcCode.INVALID_ARGUMENT, /model_name is required/],
      [
        {
          model_name: 'g',
          inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3] }],
          raw_input_contents: [fp32([1, 2])],
        },
        GrpcCode.INVALID_ARGUMENT,
        /raw_input_contents\[0\] has 8 bytes but shape \[2, 3\] of FP32 needs 24/,
      ],
      [
        { model_name: 'g', inputs: [{ name: 'x', datatype: 'FP33', shape: [1] }] },
        GrpcCode.INVALID_ARGUMENT,
        /datatype "FP33"/,
      ],
      [
        { model_name: 'g', inputs: [{ name: 'x', datatype: 'FP32', shape: [1], contents: { int_contents: [1] } }] },
        GrpcCode.INVALID_ARGUMENT,
        /contents\.fp32_contents, not int_contents/,
      ],
      [
        {
          model_name: 'g',
          inputs: [
            { name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [1] } },
            { name: 'k', datatype: 'INT64', shape: [1], contents: { int64_contents: [1] } },
          ],
          outputs: [{ name: 'w' }],
        },
        GrpcCode.INVALID_ARGUMENT,
        /no output w/,
      ],
    ];
    for (const [request, code, message] of cases) {
      const answer = await grpc.call('ModelInfer', request);
      expect(answer.ok, JSON.stringify(request)).toBe(false);
      if (answer.ok) continue;
      expect([answer.error.code, answer.error.details]).toEqual([code, expect.stringMatching(message)]);
    }
    expect(await grpc.call('ServerLive', {})).toEqual({ ok: true, value: { live: true } });
  });

  it('when a call comes without the app token, then it is UNAUTHENTICATED and no model runs', async () => {
    for (const token of [undefined, 'wrong']) {
      const stranger = oipGrpcClient({ address, ...(token ? { metadata: { 'dapr-api-token': token } } : {}) });
      const answer = await stranger.call('ModelInfer', {
        model_name: 'g',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } }],
      });
      stranger.close();
      expect(answer.ok || answer.error.code).toBe(GrpcCode.UNAUTHENTICATED);
    }
  });

  it('when REST and gRPC calls share the port at once, then both are served', async () => {
    const calls = Array.from({ length: 20 }, (_, i) =>
      i % 2
        ? rest({
            inputs: [
              { name: 'x', datatype: 'FP32', shape: [1, 1], data: [i] },
              { name: 'k', datatype: 'INT64', shape: [1], data: [i] },
            ],
          }).then((r) => r.status)
        : grpc
            .call('ModelInfer', {
              model_name: 'g',
              inputs: [
                { name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [i] } },
                { name: 'k', datatype: 'INT64', shape: [1], contents: { int64_contents: [i] } },
              ],
            })
            .then((a) => (a.ok ? 200 : a.error.code)),
    );
    expect(await Promise.all(calls)).toEqual(Array(20).fill(200));
  });
});
