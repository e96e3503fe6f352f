import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { INFER_BATCH_PATH, InferBatchResponse, ModelPolicy, PredictionEvent, TrafficPolicy } from '@meridian/contracts';
import { writeModelVersion } from '@meridian/ml';
import { createLogger, startTelemetry } from '@meridian/service-kit';
import { ModelLimits } from '../domain/model-limits.ts';
import { ModelStore } from '../domain/model-store.ts';
import { PredictionLog } from '../domain/prediction-log.ts';
import { chooseVersion } from '../domain/traffic.ts';
import { ControlledRuntimes, MemoryPublisher } from '../testing/fakes.ts';
import { inferenceTestEnv, serveInference } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
// The W3C propagator, so that a request's traceparent is read as the platform reads it.
const telemetry = startTelemetry({ serviceName: 'infer-batch-test' });
const repository = await mkdtemp(join(tmpdir(), 'infer-batch-'));
const card = {
  platform: 'onnx',
  threshold: 0.5,
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
};
for (const version of ['1', '2'])
  await writeModelVersion({
    repository,
    name: 'm',
    version,
    artifact: Buffer.from(`weights ${version}`),
    metadata: card,
  });

const env = inferenceTestEnv({ repository, vars: { SHED_MODEL_LIMIT: '4', SHED_QUEUE_MS: '0' } });
const runtimes = new ControlledRuntimes();
const store = new ModelStore({ repository, threads: 1, runtimes: runtimes.catalog });
await store.loadAll();
const publisher = new MemoryPublisher();
const served = await serveInference({
  env,
  store,
  limits: new ModelLimits({ env }),
  log: new PredictionLog({ publisher, random: () => 0 }),
});
afterAll(async () => {
  await served.close();
  await telemetry.shutdown();
  await rm(repository, { recursive: true, force: true });
});
beforeEach(() => void publisher.sent.splice(0));

const x = (data: number[]) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [data.length], data }] });
// Versions 1 and 2 of m: a request that names none is answered by the latest.
const batch = (requests: unknown[]) => served.send('POST', `/${INFER_BATCH_PATH}`, { requests });
const answers = async (res: Response) => InferBatchResponse.parse(await res.json()).responses;

describe(`POST /${INFER_BATCH_PATH}`, () => {
  it('when requests travel together, then each gets in its place the answer and the prediction event it gets alone', async () => {
    const alone = await (await served.send('POST', '/v2/models/m/versions/2/infer', { id: 'b', ...x([4]) })).json();
    const res = await batch([
      { model: 'm', body: { id: 'a', ...x([1, 2]) } },
      { model: 'm', version: '2', body: { id: 'b', ...x([4]) } },
      { model: 'm', body: { id: 'c', ...x([3]) } },
    ]);
    expect(res.status).toBe(200);
    const [a, b, c] = await answers(res);
    expect(a).toEqual({
      status: 200,
      body: expect.objectContaining({ id: 'a', model_name: 'm', outputs: [expect.objectContaining({ data: [2, 4] })] }),
    });
    expect(b).toEqual({ status: 200, body: alone });
    expect(c).toMatchObject({ status: 200, body: { id: 'c', outputs: [{ data: [6] }] } });
    // One for the request sent alone, and one per request of the batch.
    const events = publisher.sent.map((s) => PredictionEvent.parse(s.data));
    expect(events.map((e) => [e.id, e.version, e.rows]).sort()).toEqual([
      ['a', '2', 2],
      ['b', '2', 1],
      ['b', '2', 1],
      ['c', '2', 1],
    ]);
  });

  it('when some requests of a batch are wrong, then each wrong one gets its own problem, naming what was wrong, and the others are answered', async () => {
    const res = await batch([
      { model: 'unknown', body: x([1]) },
      { model: 'm', body: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: ['NaN'] }] } },
      { model: 'm', body: { ...x([1]), parameters: { binary_data_output: true } } },
      { model: 'm', version: '9', body: x([1]) },
      { model: 'm', body: x([5]) },
    ]);
    expect(res.status).toBe(200);
    const [unknown, invalid, binary, version, fine] = await answers(res);
    expect(unknown).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND', instance: '/v2/models/unknown/infer', detail: expect.stringContaining('unknown') },
    });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', errors: [{ path: 'inputs.x.data' }] } });
    expect(binary).toMatchObject({ status: 400, body: { detail: expect.stringContaining('binary outputs') } });
    expect(version).toMatchObject({ status: 404, body: { instance: '/v2/models/m/versions/9/infer' } });
    expect(fine).toMatchObject({ status: 200, body: { outputs: [{ data: [10] }] } });
  });

  it('when a batch is malformed (no requests, an empty list, more than 64), then 400 naming the field', async () => {
    for (const [body, field] of [
      [{}, 'requests'],
      [{ requests: [] }, 'requests'],
      [{ requests: Array.from({ length: 65 }, () => ({ model: 'm', body: x([1]) })) }, 'requests'],
    ] as const) {
      const res = await served.send('POST', `/${INFER_BATCH_PATH}`, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
    }
    expect(publisher.sent).toEqual([]);
  });

  it('when one request of a batch does not fit its shape (a model name that climbs, a header too long), then it alone gets 400 naming the field', async () => {
    const res = await batch([
      { model: '../m', body: x([1]) },
      { model: 'm', headers: { 'x-meridian-subject': 'x'.repeat(2000) }, body: x([1]) },
      { model: 'm', body: x([41]) },
    ]);
    expect(res.status).toBe(200);
    const [climbs, long, fine] = await answers(res);
    expect(climbs).toMatchObject({ status: 400, body: { errors: [{ path: 'model' }] } });
    expect(long).toMatchObject({
      status: 400,
      body: { errors: [expect.objectContaining({ path: expect.stringContaining('headers') })] },
    });
    expect(fine).toMatchObject({ status: 200, body: { outputs: [{ data: [82] }] } });
  });

  it('when the model is full, then an invalid request gets 429 as it does alone: the slot is asked for first', async () => {
    runtimes.hold();
    const filling = batch([51, 52, 53, 54].map((v) => ({ model: 'm', body: x([v]) })));
    await runtimes.heldRows(2);
    const [invalid] = await answers(await batch([{ model: 'm', body: { inputs: 'none' } }]));
    runtimes.release();
    expect(invalid!.status).toBe(429);
    expect((await answers(await filling)).map((a) => a.status)).toEqual([200, 200, 200, 200]);
  });

  it("when a batch holds more requests for a model than its limit, then the ones over it get 429 with Retry-After, and the model's slots are all given back", async () => {
    runtimes.hold();
    const pending = batch([11, 12, 13, 14, 15].map((v) => ({ model: 'm', body: x([v]) })));
    // Two runs held in the model (the third and fourth requests wait behind them in its batcher, with their slots).
    await runtimes.heldRows(2);
    runtimes.release();
    const statuses = await answers(await pending);
    expect(statuses.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 429]);
    expect(statuses.find((a) => a.status === 429)).toMatchObject({
      headers: { 'retry-after': '1' },
      body: { code: 'TOO_MANY_REQUESTS' },
    });
    const after = await answers(await batch([21, 22, 23, 24].map((v) => ({ model: 'm', body: x([v]) }))));
    expect(after.map((a) => a.status)).toEqual([200, 200, 200, 200]);
  });

  it("when a model's A/B split is sticky on a header the gateway forwards, then a request of a batch goes where it goes alone", async () => {
    const traffic = { ab: { versions: { '1': 1, '2': 1 }, sticky_header: 'x-meridian-subject' } };
    await store.setPolicy('m', ModelPolicy.parse({ traffic }));
    try {
      const subjects = Array.from({ length: 12 }, (_, i) => `user-${i}`);
      const expected = subjects.map(
        (s) =>
          chooseVersion({
            traffic: TrafficPolicy.parse(traffic),
            champion: '2',
            loaded: new Set(['1', '2']),
            stickyKey: s,
          }).version,
      );
      expect(new Set(expected).size).toBe(2);
      for (let turn = 0; turn < 2; turn++) {
        const got: string[] = [];
        // Three at a time: the model's limit is four concurrent requests.
        for (let i = 0; i < subjects.length; i += 3) {
          const part = subjects.slice(i, i + 3);
          const answered = await answers(
            await batch(
              part.map((s, j) => ({ model: 'm', headers: { 'x-meridian-subject': s }, body: x([30 + i + j]) })),
            ),
          );
          got.push(...answered.map((a) => (a.body as { model_version: string }).model_version));
        }
        expect(got).toEqual(expected);
      }
    } finally {
      await store.setPolicy('m', ModelPolicy.parse({}));
    }
  });

  it('when a request is as deeply nested as one sent alone may be, then it is answered inside a batch too; one level more is refused both ways', async () => {
    const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);
    // The body object is one level, its field the rest: 32 levels in all, the most a request may have.
    const deep = (levels: number) => ({ ...x([1]), extra: nested(levels - 1) });
    expect((await served.send('POST', '/v2/models/m/infer', deep(32))).status).toBe(200);
    expect((await served.send('POST', '/v2/models/m/infer', deep(33))).status).toBe(400);
    const res = await batch([{ model: 'm', body: deep(32) }]);
    expect(res.status).toBe(200);
    expect((await answers(res)).map((a) => a.status)).toEqual([200]);
    expect((await batch([{ model: 'm', body: deep(33) }])).status).toBe(400);
  });

  it("when a request of a batch takes longer than BATCH_ITEM_TIMEOUT_MS, then it alone gets 503 with Retry-After and the batch's other requests are answered", async () => {
    const quick = inferenceTestEnv({ repository, vars: { BATCH_ITEM_TIMEOUT_MS: '300' } });
    const slowRuntimes = new ControlledRuntimes();
    const slowStore = new ModelStore({ repository, threads: 1, runtimes: slowRuntimes.catalog });
    await slowStore.loadAll();
    const other = await serveInference({ env: quick, store: slowStore });
    try {
      slowRuntimes.hold();
      const pending = other.send('POST', `/${INFER_BATCH_PATH}`, {
        requests: [
          { model: 'm', body: x([1]) },
          { model: 'unknown', body: x([1]) },
        ],
      });
      await slowRuntimes.heldRows(1);
      const [held, missing] = await answers(await pending);
      slowRuntimes.release();
      // As alone when its sidecar cuts the call off: 503 with Retry-After.
      expect(held).toMatchObject({
        status: 503,
        headers: { 'retry-after': '1' },
        body: { code: 'UNAVAILABLE', detail: 'model m did not answer within 300 ms; retry later' },
      });
      expect(missing!.status).toBe(404);
    } finally {
      slowRuntimes.release();
      await other.close();
    }
  });

  it("when a request of a batch brings its trace context, then its problem carries that request's trace id", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const [own, other] = await answers(
      await batch([
        { model: 'nope', body: x([1]), traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        { model: 'nope', body: x([1]), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      ]),
    );
    expect(own!.body).toMatchObject({ trace_id: traceId });
    expect(other!.body).toMatchObject({ trace_id: '0af7651916cd43dd8448eb211c80319c' });
  });
});
