import { describe, expect, it } from 'vitest';
import { PredictionCounts, ProblemDetails, Topics, type InferResponse } from '@meridian/contracts';
import { loadSensorReadings, predictProba, sensorAnomalyFeatures, trainSensorAnomalyBaseline } from '@meridian/ml';
import { duplicatesSeen, eventually, usePlatform, type PlatformHandle } from './helpers/platform.ts';

// The same walking skeleton on three backends, chosen only by MERIDIAN_STACK:
// the embedded default, Redis (state + pub/sub) and Postgres state + RabbitMQ.
const STACKS = ['local', 'redis', 'postgres'];

const baseline = trainSensorAnomalyBaseline();
const score = (r: { humidity: number; temperature: number }) =>
  predictProba(baseline.model, [sensorAnomalyFeatures(r)])[0]!;
// Anomalies the model catches (it misses the tail of one episode) and ordinary readings.
const anomalies = loadSensorReadings()
  .filter((r) => r.label === 1 && score(r) >= baseline.threshold)
  .slice(0, 3);
const normals = loadSensorReadings()
  .filter((r) => r.label === 0)
  .slice(0, 5);
const sample = [...normals, ...anomalies];
const inferBody = (rows = sample) =>
  JSON.stringify({
    inputs: [
      { name: 'humidity', shape: [rows.length], datatype: 'FP32', data: rows.map((r) => r.humidity) },
      { name: 'temperature', shape: [rows.length], datatype: 'FP32', data: rows.map((r) => r.temperature) },
    ],
  });

async function counts(h: PlatformHandle): Promise<PredictionCounts> {
  const res = await h.gateway('/v1/monitor/predictions', { roles: ['predict'] });
  expect(res.status).toBe(200);
  return PredictionCounts.parse(await res.json());
}

async function expectProblem(res: Response, status: number): Promise<ProblemDetails> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return ProblemDetails.parse(await res.json());
}

describe.each(STACKS)('walking skeleton on MERIDIAN_STACK=%s', (stack) => {
  const h = usePlatform(stack);

  it('when every app and sidecar is up, then the gateway reports ready', async () => {
    const res = await h.gateway('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ready: true, sidecar: true, app: true });
  });

  it('when a request has no token or a forged one, then it gets 401 problem+json', async () => {
    const none = await expectProblem(await h.gateway('/v2/models/sensor-anomaly'), 401);
    expect(none.code).toBe('UNAUTHENTICATED');
    const forged = await h.gateway('/v2/models/sensor-anomaly', {
      headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlcyI6WyJwcmVkaWN0Il19.x' },
    });
    await expectProblem(forged, 401);
  });

  it('when the token lacks the predict role, then it gets 403', async () => {
    const problem = await expectProblem(await h.gateway('/v2/models/sensor-anomaly', { roles: ['ingest'] }), 403);
    expect(problem.detail).toContain('predict');
  });

  it('when asked for model metadata, then inputs and outputs carry name, datatype and shape', async () => {
    const res = await h.gateway('/v2/models/sensor-anomaly', { roles: ['predict'] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'sensor-anomaly',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'humidity', datatype: 'FP32', shape: [-1] },
        { name: 'temperature', datatype: 'FP32', shape: [-1] },
      ],
      outputs: [{ name: 'anomaly_probability', datatype: 'FP32', shape: [-1] }],
    });
  });

  it('when sensor readings are sent, then ONNX Runtime behind two mTLS sidecars answers what the trained model computes', async () => {
    const res = await h.gateway('/v2/models/sensor-anomaly/infer', {
      method: 'POST',
      roles: ['predict'],
      body: inferBody(),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as InferResponse;
    expect(body.model_name).toBe('sensor-anomaly');
    expect(body.id).toMatch(/[0-9a-f-]{36}/);
    const output = body.outputs[0]!;
    expect(output).toMatchObject({ name: 'anomaly_probability', datatype: 'FP32', shape: [sample.length] });
    const expected = sample.map(score);
    (output.data as number[]).forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 5));
    const flagged = (output.data as number[]).map((p) => p >= baseline.threshold);
    expect(flagged.slice(normals.length)).toContain(true);
    expect(flagged.slice(0, normals.length)).not.toContain(true);
  });

  it('when a tensor is missing or malformed, then 400 problem+json names it', async () => {
    const missing = await h.gateway('/v2/models/sensor-anomaly/infer', {
      method: 'POST',
      roles: ['predict'],
      body: JSON.stringify({ inputs: [{ name: 'humidity', shape: [1], datatype: 'FP32', data: [40] }] }),
    });
    const p1 = await expectProblem(missing, 400);
    expect(p1.errors?.map((e) => e.path)).toContain('inputs.temperature');
    const noData = await h.gateway('/v2/models/sensor-anomaly/infer', {
      method: 'POST',
      roles: ['predict'],
      body: JSON.stringify({ inputs: [{ name: 'humidity', shape: [1], datatype: 'FP32' }] }),
    });
    const p2 = await expectProblem(noData, 400);
    expect(p2.errors?.map((e) => e.path)).toContain('inputs.0.data');
    const notJson = await h.gateway('/v2/models/sensor-anomaly/infer', {
      method: 'POST',
      roles: ['predict'],
      body: '{"inputs": [',
    });
    await expectProblem(notJson, 400);
  });

  it('when predictions are made, then each one reaches the monitor through the pub/sub prediction log', async () => {
    // Checked per prediction id: a shared Redis or Postgres may hold other runs' events, which must not matter here.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await h.gateway('/v2/models/sensor-anomaly/infer', {
        method: 'POST',
        roles: ['predict'],
        body: inferBody(sample.slice(i, i + 1)),
      });
      expect(res.status).toBe(200);
      ids.push(((await res.json()) as InferResponse).id);
    }
    const counted = async () =>
      Promise.all(
        ids.map(
          async (id) =>
            (
              (await (await h.gateway(`/v1/monitor/predictions/${id}`, { roles: ['predict'] })).json()) as {
                counted: boolean;
              }
            ).counted,
        ),
      );
    expect(await eventually(counted, (c) => c.every(Boolean))).toEqual([true, true, true, true, true]);
  });

  it('when the same prediction event is delivered twice, then it is counted once', async () => {
    const inference = h.platform.apps.inference!;
    // A model name of this run only: its count can move only with the events published here.
    const model = `dup-test-${stack}-${Date.now()}`;
    const modelCount = async () => (await counts(h)).models[model] ?? 0;
    const event = {
      id: `dup-${stack}-${Date.now()}`,
      model,
      version: '1',
      input_hash: 'x',
      rows: 1,
      inputs: { humidity: [40] },
      outputs: { anomaly_probability: [0.1] },
      latency_ms: 1,
      ts: new Date().toISOString(),
    };
    const before = await duplicatesSeen(h);
    for (let i = 0; i < 2; i++) {
      const res = await inference.fetchDapr(`/v1.0/publish/pubsub/${Topics.predictions}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(204);
    }
    // Counted once, and the monitor says it recognised the second delivery: only then is the count final.
    await eventually(modelCount, (n) => n >= 1);
    await eventually(
      () => duplicatesSeen(h),
      (n) => n >= before + 1,
    );
    expect(await modelCount()).toBe(1);
  });
});
