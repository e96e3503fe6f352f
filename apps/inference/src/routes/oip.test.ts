import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PredictionEvent, Topics } from '@meridian/contracts';
import { writeModelVersion } from '@meridian/ml';
import { createLogger } from '@meridian/service-kit';
import { ModelLimits } from '../domain/model-limits.ts';
import { ModelStore } from '../domain/model-store.ts';
import { PredictionLog } from '../domain/prediction-log.ts';
import { ControlledRuntimes, MemoryPublisher } from '../testing/fakes.ts';
import { inferenceTestEnv, serveInference } from '../testing/serve.ts';
import { inferLane } from './oip.ts';

createLogger({ name: 'test', level: 'silent' });
const repository = await mkdtemp(join(tmpdir(), 'inference-app-'));
const card = {
  platform: 'onnx',
  threshold: 0.5,
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
};
await writeModelVersion({ repository, name: 'm', version: '1', artifact: Buffer.from('weights of m'), metadata: card });

// A fixed limit of 2 and no queue wait: the third concurrent request is shed at once.
const env = inferenceTestEnv({ repository, vars: { SHED_MODEL_LIMIT: '2', SHED_QUEUE_MS: '0' } });
const runtimes = new ControlledRuntimes();
const store = new ModelStore({ repository, threads: 1, runtimes: runtimes.catalog });
await store.loadAll();
const publisher = new MemoryPublisher();
const limits = new ModelLimits({ env });
const served = await serveInference({ env, store, limits, log: new PredictionLog({ publisher, random: () => 0 }) });
afterAll(async () => {
  await served.close();
  await rm(repository, { recursive: true, force: true });
});
beforeEach(() => void publisher.sent.splice(0));

const x = (data: unknown[]) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [data.length], data }] });
const infer = (model: string, body: unknown) => served.send('POST', `/v2/models/${model}/infer`, body);

describe('POST /v2/models/:name/infer', () => {
  it('when infer is called on its canonical path, then it takes the lean lane and is timed under its route pattern', async () => {
    const lane = inferLane({ store, limits, env, serverVersion: 'test' } as unknown as Parameters<typeof inferLane>[0]);
    const takes = (method: string, url: string) => lane.takes({ method, url } as IncomingMessage);
    expect(takes('POST', '/v2/models/m/infer')).toBe(true);
    expect(takes('POST', '/v2/models/m%20x/versions/1/infer?x=1')).toBe(true);
    for (const [method, url] of [
      ['GET', '/v2/models/m/infer'],
      ['POST', '/v2/models/m/infer/'],
      ['POST', '/V2/models/m/infer'],
      ['POST', '/v2/models/m/explain'],
      ['POST', '/v2/models/%E0%A4%A/infer'],
    ] as const)
      expect(takes(method, url), `${method} ${url}`).toBe(false);
    expect((await infer('m', x([1]))).status).toBe(200);
    expect((await served.send('POST', '/v2/models/m/versions/1/infer', x([1]))).status).toBe(200);
    const text = await (await served.send('GET', '/metrics')).text();
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{method="POST",route="\/v2\/models\/:name\/infer",status_code="200"\} [1-9]/,
    );
    expect(text).toMatch(/route="\/v2\/models\/:name\/versions\/:version\/infer",status_code="200"\} [1-9]/);
  });

  it('when a loaded model gets valid inputs, then 200 with its outputs, the route and one prediction id per row', async () => {
    const res = await infer('m', { id: 'r1', ...x([1, 2]) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      model_name: 'm',
      model_version: '1',
      id: 'r1',
      parameters: { route: 'default', prediction_ids: 'r1:0,r1:1' },
      outputs: [{ name: 'y', datatype: 'FP32', shape: [2], data: [2, 4] }],
    });
  });

  it('when the model is unknown, then 404 problem+json naming it', async () => {
    const res = await infer('nobody', x([1]));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 404, code: 'NOT_FOUND', detail: 'unknown model nobody' });
  });

  it('when a tensor holds values of the wrong type, then 400 problem+json naming the field', async () => {
    const res = await infer('m', x(['warm', 'cold']));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      code: 'BAD_REQUEST',
      errors: [{ path: 'inputs.x.data', message: 'input x must hold finite numbers' }],
    });
    expect(publisher.sent).toEqual([]);
  });

  it('when the model already has as many requests in flight as its limit, then the next is shed with 429 and Retry-After, and the held ones still answer', async () => {
    runtimes.hold();
    const inFlight = [infer('m', x([1])), infer('m', x([2]))];
    await runtimes.heldRows(2);
    const shed = await infer('m', x([3]));
    runtimes.release();
    expect(shed.status).toBe(429);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(await shed.json()).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      detail: expect.stringContaining('limit of 2 concurrent requests'),
    });
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200]);
    expect(limits.snapshot().find((s) => s.name === 'm')).toMatchObject({ inflight: 0, shed: 1 });
  });

  it('when a prediction is answered, then exactly one prediction event with its inputs, outputs and row context goes to the predictions topic', async () => {
    const res = await infer('m', {
      id: 'r2',
      ...x([3, 5]),
      parameters: { 'protected.group': 'a,b', record_keys: '7@1#1,7@1#2', record_times: '10,20' },
    });
    expect(res.status).toBe(200);
    expect(publisher.sent).toHaveLength(1);
    const [sent] = publisher.sent;
    expect(sent!.topic).toBe(Topics.predictions);
    expect(PredictionEvent.parse(sent!.data)).toEqual({
      id: 'r2',
      model: 'm',
      version: '1',
      input_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      rows: 2,
      route: 'default',
      threshold: 0.5,
      inputs: { x: [3, 5] },
      outputs: { y: [6, 10] },
      latency_ms: expect.any(Number),
      ts: expect.any(String),
      protected: { group: ['a', 'b'] },
      records: { keys: ['7@1#1', '7@1#2'], received_at: [10, 20] },
    });
  });
});
