import { describe, expect, it } from 'vitest';
import { ExplainResponse, InferResponse, ProblemDetails, type Role } from '@meridian/contracts';
import {
  writeCorruptVersion,
  writeFaultyModel,
  writeSensorMlp,
  writeSensorV2,
  writeTensorTypesModel,
} from './helpers/models.ts';
import { APPS_BUT_AGENTS, eventually, usePlatform } from './helpers/platform.ts';

const reading = (h: number[], t: number[]) => ({
  inputs: [
    { name: 'humidity', shape: [h.length], datatype: 'FP32', data: h },
    { name: 'temperature', shape: [t.length], datatype: 'FP32', data: t },
  ],
});

describe('model serving through the gateway (Open Inference Protocol v2)', () => {
  const h = usePlatform('local', {
    apps: APPS_BUT_AGENTS,
    prepare: async (repo) => {
      await writeSensorV2(repo);
      await writeSensorMlp(repo, '4');
      await writeTensorTypesModel(repo);
      await writeFaultyModel(repo);
    },
  });
  const call = async (path: string, init: { method?: string; body?: unknown; roles?: Role[] } = {}) => {
    const res = await h.gateway(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      roles: init.roles ?? ['predict'],
      ...(init.body === undefined
        ? {}
        : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, any>) : {} }; // test-only: fields checked one by one
  };
  const infer = async (path: string, body: unknown) => {
    const res = await call(path, { body });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    return InferResponse.parse(res.json);
  };
  const setPolicy = async (model: string, policy: object) =>
    expect((await call(`/v2/models/${model}/policy`, { method: 'PUT', body: policy, roles: ['admin'] })).status).toBe(
      200,
    );

  it('when asked about health, models and versions, then the answers follow OIP v2', async () => {
    expect((await call('/v2/health/live')).json).toEqual({ live: true });
    expect((await call('/v2/health/ready')).status).toBe(200);
    expect((await call('/v2/models/sensor-anomaly/ready')).json).toMatchObject({ name: 'sensor-anomaly', ready: true });
    const v1 = await call('/v2/models/sensor-anomaly/versions/1');
    expect(v1.json).toMatchObject({ name: 'sensor-anomaly', platform: 'onnxruntime_onnx', versions: ['1', '2', '4'] });
    const out = await infer('/v2/models/sensor-anomaly/versions/1/infer', reading([45], [27]));
    expect(out.model_version).toBe('1');
    expect(out.outputs[0]).toMatchObject({ name: 'anomaly_probability', datatype: 'FP32', shape: [1] });
  });

  it('when a model or version is unknown, then 404 problem+json', async () => {
    for (const path of [
      '/v2/models/nope',
      '/v2/models/sensor-anomaly/versions/9',
      '/v2/models/sensor-anomaly/versions/9/ready',
    ]) {
      const res = await call(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('problem+json');
    }
    expect((await call('/v2/models/nope/versions/1/infer', { body: reading([1], [1]) })).status).toBe(404);
  });

  it('when two versions give different answers, then a pinned version answers for itself', async () => {
    const v1 = await infer('/v2/models/sensor-anomaly/versions/1/infer', reading([45], [27]));
    const v2 = await infer('/v2/models/sensor-anomaly/versions/2/infer', reading([45], [27]));
    expect(v2.model_version).toBe('2');
    expect(v1.outputs[0]!.data[0]).not.toBeCloseTo(v2.outputs[0]!.data[0] as number, 3);
  });

  it('when INT64 and BYTES tensors are sent, then they come back through the model unchanged', async () => {
    const out = await infer('/v2/models/tensor-types/infer', {
      inputs: [
        { name: 'ids', shape: [3], datatype: 'INT64', data: [1, -2, 9007199254740991] },
        { name: 'text', shape: [3], datatype: 'BYTES', data: ['a', 'héllo', ''] },
      ],
      outputs: [{ name: 'text_out' }],
    });
    expect(out.outputs).toEqual([{ name: 'text_out', datatype: 'BYTES', shape: [3], data: ['a', 'héllo', ''] }]);
    const ids = await infer('/v2/models/tensor-types/infer', {
      inputs: [
        { name: 'ids', shape: [1], datatype: 'INT64', data: [42] },
        { name: 'text', shape: [1], datatype: 'BYTES', data: ['x'] },
      ],
    });
    expect(ids.outputs.find((o) => o.name === 'ids_out')).toEqual({
      name: 'ids_out',
      datatype: 'INT64',
      shape: [1],
      data: [42],
    });
  });

  it('when a JSON request asks for binary outputs through the gateway, then the answer says where its JSON ends, and the bytes hold the JSON answer', async () => {
    const path = '/v2/models/sensor-anomaly/versions/1/infer';
    const asJson = await infer(path, reading([45, 53], [27, 39]));
    const res = await h.gateway(path, {
      method: 'POST',
      roles: ['predict'],
      body: JSON.stringify({ ...reading([45, 53], [27, 39]), parameters: { binary_data_output: true } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const body = Buffer.from(await res.arrayBuffer());
    const jsonLength = Number(res.headers.get('inference-header-content-length'));
    expect(jsonLength).toBeGreaterThan(0);
    const head = JSON.parse(body.subarray(0, jsonLength).toString('utf8')) as {
      outputs: { name: string; data?: unknown; parameters?: { binary_data_size?: number } }[];
    };
    expect(head.outputs.map((o) => [o.name, o.parameters?.binary_data_size, o.data])).toEqual([
      ['anomaly_probability', 8, undefined],
    ]);
    const bytes = body.subarray(jsonLength);
    expect(Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 8)))).toEqual(
      asJson.outputs[0]!.data,
    );
  });

  it('when the body has the wrong datatype, a missing input or is too large, then 400 naming the tensor, or 413', async () => {
    const wrong = await call('/v2/models/sensor-anomaly/infer', {
      body: {
        inputs: [
          { name: 'humidity', shape: [1], datatype: 'INT64', data: [1] },
          { name: 'temperature', shape: [1], datatype: 'FP32', data: [1] },
        ],
      },
    });
    expect(wrong.status).toBe(400);
    expect(ProblemDetails.parse(wrong.json).errors?.map((e) => e.path)).toEqual(['inputs.humidity.datatype']);
    const big = await call('/v2/models/sensor-anomaly/infer', {
      body: reading(Array(300_000).fill(40), Array(300_000).fill(20)),
    });
    expect(big.status).toBe(413);
  });

  it('when explaining a logistic model, then exact attributions sum to the log-odds change from the baseline', async () => {
    const res = await call('/v2/models/sensor-anomaly/versions/1/explain', {
      body: reading([45.9, 53.06], [27.97, 28.11]),
    });
    expect(res.status).toBe(200);
    const body = ExplainResponse.parse(res.json);
    expect(body).toMatchObject({
      model_name: 'sensor-anomaly',
      model_version: '1',
      baseline: { kind: 'training-mean', space: 'log-odds' },
    });
    expect(body.attributions).toHaveLength(2);
    const logit = (p: number) => Math.log(p / (1 - p));
    for (const row of body.attributions) {
      expect(row.features.map((f) => f.name)).toEqual(['humidity', 'temperature', 'humidity_x_temperature']);
      const sum = row.features.reduce((s, f) => s + f.attribution, 0);
      expect(sum).toBeCloseTo(logit(row.output) - logit(body.baseline.output as number), 6);
    }
    const served = await infer('/v2/models/sensor-anomaly/versions/1/infer', reading([45.9, 53.06], [27.97, 28.11]));
    body.attributions.forEach((row, i) => expect(row.output).toBeCloseTo(served.outputs[0]!.data[i] as number, 5));
  });

  it('when a version is a TensorFlow.js model, then it is served beside the ONNX ones and explained by Shapley values', async () => {
    expect((await call('/v2/models/sensor-anomaly/versions/4')).json).toMatchObject({ platform: 'tensorflow_js' });
    const out = await infer('/v2/models/sensor-anomaly/versions/4/infer', reading([45.9, 53.06], [27.97, 28.11]));
    expect(out.outputs[0]).toMatchObject({ name: 'anomaly_probability', shape: [2] });
    (out.outputs[0]!.data as number[]).forEach((p) => expect(p).toBeGreaterThanOrEqual(0));
    const res = await call('/v2/models/sensor-anomaly/versions/4/explain', {
      body: reading([45.9, 53.06], [27.97, 28.11]),
    });
    const body = ExplainResponse.parse(res.json);
    expect(body.baseline).toMatchObject({ kind: 'given', method: 'shapley-exact', space: 'probability' });
    body.attributions.forEach((row, i) => {
      expect(row.features.map((f) => f.name)).toEqual(['humidity', 'temperature']);
      expect(row.output).toBeCloseTo(out.outputs[0]!.data[i] as number, 5);
      expect(row.features.reduce((s, f) => s + f.attribution, 0)).toBeCloseTo(
        row.output - (body.baseline.output as number),
        5,
      );
    });
  });

  it('when a model throws, then 500 problem+json with a trace id, and other models keep serving', async () => {
    const res = await call('/v2/models/faulty/infer', {
      body: {
        inputs: [
          { name: 'a', shape: [3], datatype: 'FP32', data: [1, 2, 3] },
          { name: 'b', shape: [3, 2], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] },
        ],
      },
    });
    expect(res.status).toBe(500);
    expect(ProblemDetails.parse(res.json).trace_id).toMatch(/^[0-9a-f]{32}$/);
    const ok = await call('/v2/models/faulty/infer', {
      body: {
        inputs: [
          { name: 'a', shape: [2], datatype: 'FP32', data: [1, 2] },
          { name: 'b', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] },
        ],
      },
    });
    expect(ok.status).toBe(200);
    await infer('/v2/models/sensor-anomaly/infer', reading([45], [27]));
  });

  it('when a canary takes 100% or an A/B split is sticky, then traffic follows the policy without a restart', async () => {
    await setPolicy('sensor-anomaly', { traffic: { canary: { version: '2', percent: 100 } } });
    const canary = await infer('/v2/models/sensor-anomaly/infer', reading([45], [27]));
    expect(canary).toMatchObject({ model_version: '2', parameters: { route: 'canary' } });
    await setPolicy('sensor-anomaly', { traffic: { ab: { versions: { '1': 1, '2': 1 } } } });
    const versionsFor = async (key: string) =>
      new Set(
        await Promise.all(
          [1, 2, 3, 4].map(
            async () =>
              (
                await infer('/v2/models/sensor-anomaly/infer', {
                  ...reading([45], [27]),
                  parameters: { sticky_key: key },
                })
              ).model_version,
          ),
        ),
      );
    const seen = new Set<string>();
    for (const key of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
      const versions = await versionsFor(key);
      expect(versions.size).toBe(1);
      seen.add([...versions][0]!);
    }
    expect(seen).toEqual(new Set(['1', '2']));
    await setPolicy('sensor-anomaly', {});
  });

  it('when a shadow is set, then the champion answers and both outputs are compared', async () => {
    await setPolicy('sensor-anomaly', { default_version: '1', traffic: { shadow: { version: '2' } } });
    const before = (await call('/v2/models/sensor-anomaly/shadow')).json.rows ?? 0;
    for (let i = 0; i < 5; i++)
      expect((await infer('/v2/models/sensor-anomaly/infer', reading([45 + i], [27]))).model_version).toBe('1');
    // The shadow runs after the answer: wait for its comparisons to land.
    const shadow = await eventually(
      () => call('/v2/models/sensor-anomaly/shadow'),
      (r) => (r.json.rows ?? 0) >= before + 5,
    );
    expect(shadow.json).toMatchObject({ champion: '1', candidate: '2', rows: before + 5 });
    await setPolicy('sensor-anomaly', {});
  });

  it('when the deadline is missed, then the fallback answers and says so; without a fallback it is 504', async () => {
    const late = await call('/v2/models/sensor-anomaly/infer', {
      body: { ...reading([45], [27]), parameters: { deadline_ms: 0 } },
    });
    expect(late.status).toBe(504);
    await setPolicy('sensor-anomaly', { fallback: { rule: { outputs: { anomaly_probability: 0 } } } });
    const fallback = await infer('/v2/models/sensor-anomaly/infer', {
      ...reading([45], [27]),
      parameters: { deadline_ms: 0 },
    });
    expect(fallback.parameters).toMatchObject({ fallback: 'deadline' });
    expect(fallback.outputs[0]!.data).toEqual([0]);
    await setPolicy('sensor-anomaly', {});
  });

  it('when the cache is on, then a repeated request is answered from the state store', async () => {
    await setPolicy('sensor-anomaly', { cache: { enabled: true, ttl_seconds: 60 } });
    const first = await infer('/v2/models/sensor-anomaly/infer', reading([41.5], [23.25]));
    expect(first.parameters?.cache_hit).toBeUndefined();
    // The cache is written after the answer: a repeat is answered from it once the write landed.
    const second = await eventually(
      () => infer('/v2/models/sensor-anomaly/infer', reading([41.5], [23.25])),
      (r) => r.parameters?.cache_hit === true,
    );
    expect(second.parameters?.cache_hit).toBe(true);
    expect(second.outputs).toEqual(first.outputs);
    await setPolicy('sensor-anomaly', {});
  });

  it('when many requests arrive at once, then they are batched, each answer is its own, and metrics show it', async () => {
    const rows = Array.from({ length: 48 }, (_, i) => [40 + i * 0.3, 20 + i * 0.2] as const);
    const alone = await infer(
      '/v2/models/sensor-anomaly/versions/1/infer',
      reading(
        rows.map((r) => r[0]),
        rows.map((r) => r[1]),
      ),
    );
    const together = await Promise.all(
      rows.map(([hum, temp]) => infer('/v2/models/sensor-anomaly/versions/1/infer', reading([hum], [temp]))),
    );
    together.forEach((r, i) => expect(r.outputs[0]!.data[0]).toBeCloseTo(alone.outputs[0]!.data[i] as number, 6));
    const metrics = await (await h.platform.apps.inference!.fetchApp(`/metrics`)).text();
    expect(metrics).toContain('meridian_inference_requests_total');
    const singles = Number(
      metrics.match(/meridian_inference_batch_rows_bucket\{le="1",model="sensor-anomaly",version="1"\} (\d+)/)?.[1],
    );
    const count = Number(
      metrics.match(/meridian_inference_batch_rows_count\{model="sensor-anomaly",version="1"\} (\d+)/)?.[1],
    );
    expect(count).toBeGreaterThan(singles);
    expect(metrics).toMatch(/meridian_inference_queue_rows\{model="sensor-anomaly",version="1"\} 0/);
  });

  it('when many infer requests reach the gateway at once, then they cross the sidecars together, each client gets the answer it gets alone, and their events reach the monitor together', async () => {
    type Counts = { single: number; batches: number; batched: number };
    const none: Counts = { single: 0, batches: 0, batched: 0 };
    const gatewayStatus = async () =>
      (
        (await (await fetch(`${h.platform.gatewayUrl}/readyz`)).json()) as {
          infer_batching: Record<string, Counts>;
        }
      ).infer_batching.inference;
    const eventStatus = async () =>
      (
        (await (await h.platform.apps.inference!.fetchApp('/readyz')).json()) as {
          event_batching: Record<string, Counts>;
        }
      ).event_batching.predictions ?? none;
    const counted = async (id: string) =>
      (
        (await (await h.platform.apps.monitor!.fetchApp(`/v1/monitor/predictions/${id}`)).json()) as {
          counted: boolean;
        }
      ).counted;
    const before = (await gatewayStatus()) ?? none;
    const eventsBefore = await eventStatus();
    const rows = Array.from({ length: 64 }, (_, i) => [30 + i * 0.5, 15 + i * 0.25] as const);
    const alone = await infer(
      '/v2/models/sensor-anomaly/versions/1/infer',
      reading(
        rows.map((r) => r[0]),
        rows.map((r) => r[1]),
      ),
    );
    const together = await Promise.all([
      ...rows.map(([hum, temp], i) =>
        call(`/v2/models/sensor-anomaly/versions/1/infer`, { body: { id: `burst-${i}`, ...reading([hum], [temp]) } }),
      ),
      call('/v2/models/no-such-model/infer', { body: reading([1], [2]) }),
    ]);
    const missing = together.pop()!;
    together.forEach((r, i) => {
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.headers.get('content-type')).toContain('application/json');
      const answer = InferResponse.parse(r.json);
      expect(answer.id).toBe(`burst-${i}`);
      expect(answer.outputs[0]!.data[0]).toBeCloseTo(alone.outputs[0]!.data[i] as number, 6);
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(ProblemDetails.parse(missing.json).detail).toContain('no-such-model');
    const after = (await gatewayStatus())!;
    // 66 requests went out (the one alone, the burst and the unknown model): some in batches of several.
    expect(after.single - before.single + after.batched - before.batched).toBe(66);
    expect(after.batches).toBeGreaterThan(before.batches);
    expect(after.batched - before.batched).toBeGreaterThan(after.batches - before.batches);
    // Each prediction published its event; under the burst some left inference in one bulk publish,
    // and the monitor counted every one of them.
    const events = await eventually(eventStatus, (e) => e.batches > eventsBefore.batches);
    expect(events.batches).toBeGreaterThan(eventsBefore.batches);
    const ids = rows.map((_, i) => `burst-${i}`);
    const seen = await eventually(
      () => Promise.all(ids.map(counted)),
      (all) => all.every(Boolean),
      30_000,
    );
    expect(ids.filter((_, i) => !seen[i])).toEqual([]);
  });

  it('when the queue is full, then callers get 429 with Retry-After', async () => {
    await setPolicy('sensor-anomaly', { batching: { max_queue_size: 20_000 } });
    const big = reading(Array(8000).fill(45), Array(8000).fill(27));
    const results = await Promise.all(
      Array.from({ length: 24 }, () => call('/v2/models/sensor-anomaly/versions/1/infer', { body: big })),
    );
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    await setPolicy('sensor-anomaly', {});
  });

  it('when one client sends many malformed requests, then the others are still served', async () => {
    for (let i = 0; i < 12; i++)
      expect(
        (
          await call('/v2/models/sensor-anomaly/infer', {
            body: { inputs: [{ name: 'humidity', shape: [1], datatype: 'FP32', data: [1] }] },
          })
        ).status,
      ).toBe(400);
    for (let i = 0; i < 12; i++)
      expect(
        (
          await call('/v2/models/faulty/infer', {
            body: {
              inputs: [
                { name: 'a', shape: [3], datatype: 'FP32', data: [1, 2, 3] },
                { name: 'b', shape: [3, 2], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] },
              ],
            },
          })
        ).status,
      ).toBe(500);
    expect((await call('/v2/models/sensor-anomaly/infer', { body: reading([45], [27]) })).status).toBe(200);
  });

  it('when versions are loaded and unloaded during traffic, then no request fails', async () => {
    let stop = false;
    const statuses: number[] = [];
    const worker = (h: number) =>
      (async () => {
        while (!stop)
          statuses.push((await call('/v2/models/sensor-anomaly/infer', { body: reading([h], [27]) })).status);
      })();
    const workers = [worker(45), worker(50)];
    // Each repository change happens only once more traffic has flowed since the last one.
    const afterTraffic = async () => {
      const seen = statuses.length;
      while (statuses.length < seen + 3) await new Promise((r) => setTimeout(r, 5));
    };
    const admin = async (path: string, version: string) => {
      await afterTraffic();
      expect((await call(path, { method: 'POST', body: { parameters: { version } }, roles: ['admin'] })).status).toBe(
        200,
      );
    };
    await admin('/v2/repository/models/sensor-anomaly/unload', '2');
    await admin('/v2/repository/models/sensor-anomaly/load', '2');
    await admin('/v2/repository/models/sensor-anomaly/unload', '1');
    await admin('/v2/repository/models/sensor-anomaly/load', '1');
    await afterTraffic();
    stop = true;
    await Promise.all(workers);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it("when a version's artifact is corrupt, then loading it fails with the reason and the serving versions are untouched", async () => {
    await writeCorruptVersion(h.repository, '3');
    const res = await call('/v2/repository/models/sensor-anomaly/load', {
      method: 'POST',
      body: { parameters: { version: '3' } },
      roles: ['admin'],
    });
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain('checksum mismatch');
    const index = await call('/v2/repository/index', { method: 'POST', roles: ['admin'] });
    expect(index.json).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'sensor-anomaly', version: '3', state: 'UNAVAILABLE' })]),
    );
    expect((await infer('/v2/models/sensor-anomaly/infer', reading([45], [27]))).model_version).toBe('4');
  });

  it('when a predict token calls the repository API, then it is forbidden', async () => {
    expect((await call('/v2/repository/index', { method: 'POST' })).status).toBe(403);
  });
});
