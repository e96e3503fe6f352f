import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferResponse } from '@meridian/contracts';
import type { ManagedProcess } from '@meridian/platform';
import { GrpcCode } from '@meridian/service-kit';
import { oipGrpcClient, type OipGrpcClient } from '@meridian/testkit';
import { clientSidecar } from './helpers/client-sidecar.ts';
import { usePlatform } from './helpers/platform.ts';

const HUMIDITY = [45.9, 30.2, 61.5];
const TEMPERATURE = [27.97, 22.1, 40.5];
const fp32 = (v: number[]) => Buffer.from(Float32Array.from(v).buffer);
const readFp32 = (b: Buffer) => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));

interface InferAnswer {
  model_name: string;
  outputs: { name: string; datatype: string; shape: number[] }[];
  raw_output_contents: Buffer[];
}

describe('OIP over gRPC through Dapr sidecars (gRPC proxying with dapr-app-id)', () => {
  const h = usePlatform('local');
  const started: ManagedProcess[] = [];
  const clients: OipGrpcClient[] = [];
  let client: OipGrpcClient;
  let clientUrl = '';
  beforeAll(async () => {
    const sidecar = await clientSidecar('example-client', h.platform.dataDir);
    started.push(sidecar.process);
    clientUrl = sidecar.url;
    client = oipGrpcClient({ address: `127.0.0.1:${sidecar.ports.grpc}`, metadata: { 'dapr-app-id': 'inference' } });
    clients.push(client);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(started.map((p) => p.stop()));
  });

  it('when a KServe-style gRPC client asks through its own sidecar, then liveness, readiness and metadata answer', async () => {
    expect(await client.call('ServerLive', {})).toEqual({ ok: true, value: { live: true } });
    expect(await client.call('ServerReady', {})).toEqual({ ok: true, value: { ready: true } });
    expect(await client.call('ModelReady', { name: 'sensor-anomaly' })).toEqual({ ok: true, value: { ready: true } });
    const meta = await client.call<{ name: string; inputs: { name: string; datatype: string }[] }>('ModelMetadata', {
      name: 'sensor-anomaly',
    });
    expect(meta.ok && meta.value.name).toBe('sensor-anomaly');
    expect(meta.ok && meta.value.inputs.map((i) => [i.name, i.datatype]).sort()).toEqual([
      ['humidity', 'FP32'],
      ['temperature', 'FP32'],
    ]);
  });

  it('when ModelInfer sends raw tensors through the sidecars, then the outputs equal a JSON request over HTTP invoke', async () => {
    const res = await fetch(`${clientUrl}/v1.0/invoke/inference/method/v2/models/sensor-anomaly/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          { name: 'humidity', shape: [3], datatype: 'FP32', data: HUMIDITY },
          { name: 'temperature', shape: [3], datatype: 'FP32', data: TEMPERATURE },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const json = InferResponse.parse(await res.json());
    const answer = await client.call<InferAnswer>('ModelInfer', {
      model_name: 'sensor-anomaly',
      inputs: [
        { name: 'humidity', shape: [3], datatype: 'FP32' },
        { name: 'temperature', shape: [3], datatype: 'FP32' },
      ],
      raw_input_contents: [fp32(HUMIDITY), fp32(TEMPERATURE)],
    });
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.value.model_name).toBe('sensor-anomaly');
    expect(answer.value.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual(
      json.outputs.map((o) => [o.name, o.datatype, o.shape]),
    );
    expect(answer.value.raw_output_contents.map(readFp32)).toEqual(json.outputs.map((o) => o.data));
    const probabilities = readFp32(answer.value.raw_output_contents[0]!);
    expect(probabilities).toHaveLength(3);
    for (const p of probabilities) expect(p).toBeGreaterThanOrEqual(0);
  });

  it('when a bad request crosses the sidecars, then the client gets INVALID_ARGUMENT naming the field', async () => {
    const answer = await client.call('ModelInfer', {
      model_name: 'sensor-anomaly',
      inputs: [{ name: 'humidity', shape: [2], datatype: 'FP32' }],
      raw_input_contents: [fp32([1])],
    });
    expect(answer.ok || [answer.error.code, answer.error.details]).toEqual([
      GrpcCode.INVALID_ARGUMENT,
      expect.stringContaining('raw_input_contents[0] has 4 bytes but shape [2] of FP32 needs 8'),
    ]);
  });

  it('when an app outside the access-control list calls over gRPC, then its sidecar gets PERMISSION_DENIED', async () => {
    const intruder = await clientSidecar('intruder', h.platform.dataDir);
    started.push(intruder.process);
    const stranger = oipGrpcClient({
      address: `127.0.0.1:${intruder.ports.grpc}`,
      metadata: { 'dapr-app-id': 'inference' },
    });
    clients.push(stranger);
    const answer = await stranger.call('ModelInfer', { model_name: 'sensor-anomaly', inputs: [] });
    expect(answer.ok || [answer.error.code, answer.error.details]).toEqual([
      GrpcCode.PERMISSION_DENIED,
      expect.stringContaining('access control policy has denied access to id: spiffe://public/ns/default/intruder'),
    ]);
  });

  it('when a process reaches the inference app port over gRPC without its sidecar, then it is UNAUTHENTICATED', async () => {
    const port = new URL(h.platform.apps.inference!.appUrl).port;
    const direct = oipGrpcClient({ address: `127.0.0.1:${port}` });
    clients.push(direct);
    const answer = await direct.call('ServerLive', {});
    expect(answer.ok || answer.error.code).toBe(GrpcCode.UNAUTHENTICATED);
  });
});
