import { describe, expect, it } from 'vitest';
import {
  Alert,
  DegradedEvidence,
  DriftReport,
  InferResponse,
  QualityReport,
  RunStatus,
  SloReport,
  Topics,
  type Role,
} from '@meridian/contracts';
import { loadSensorReadings, stratifiedSplit } from '@meridian/ml';
import { writeFaultyModel } from './helpers/models.ts';
import { APPS_BUT_AGENTS, eventually, usePlatform } from './helpers/platform.ts';

describe('quality against delayed labels, and latency/error SLOs', () => {
  const h = usePlatform('local', {
    apps: APPS_BUT_AGENTS,
    prepare: writeFaultyModel,
    env: {
      // Windows of 10 labels for the seeded model, so a handful of wrong labels can breach its F1 floor.
      QUALITY_THRESHOLDS: JSON.stringify({ 'sensor-anomaly': { min_f1: 0.6, min_labels: 10 } }),
      SLO_ERROR_RATE: '0.1',
    },
  });
  const call = async (path: string, init: { body?: unknown; roles: Role[] }) => {
    const res = await h.gateway(path, {
      method: init.body === undefined ? 'GET' : 'POST',
      roles: init.roles,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: res.status, json: (await res.json()) as any }; // test-only: fields checked one by one
  };

  it('when labels arrive for earlier predictions, then rolling precision, recall and F1 are reported; repeats count once', async () => {
    // Two clear anomalies and two ordinary readings in one request: four rows, four ids.
    const res = await call('/v2/models/sensor-anomaly/infer', {
      roles: ['predict'],
      body: {
        inputs: [
          { name: 'humidity', shape: [4], datatype: 'FP32', data: [53.06, 51.12, 45.9, 45.93] },
          { name: 'temperature', shape: [4], datatype: 'FP32', data: [39.9, 39.5, 27.95, 27.97] },
        ],
      },
    });
    const out = InferResponse.parse(res.json);
    const ids = String(out.parameters?.prediction_ids).split(',');
    expect(ids).toEqual([0, 1, 2, 3].map((i) => `${out.id}:${i}`));
    const decisions = (out.outputs[0]!.data as number[]).map((p) => p >= 0.5);
    expect(decisions).toEqual([true, true, false, false]);

    // Truth: rows 0 and 2 are anomalies → tp 1 (row 0), fp 1 (row 1), fn 1 (row 2), tn 1 (row 3).
    const labels = [1, 0, 1, 0].map((label, i) => ({ prediction_id: ids[i]!, label }));
    // Post once the prediction has reached the monitor (posting earlier would report the rows as unmatched).
    await eventually(
      () => call(`/v1/monitor/predictions/${out.id}`, { roles: ['predict'] }),
      (r) => r.json.counted === true,
    );
    const posted = await call('/v1/labels', { roles: ['ingest'], body: labels });
    expect(posted.json).toEqual({ accepted: 4, duplicates: 0, unmatched: [] });
    const again = await call('/v1/labels', { roles: ['ingest'], body: labels });
    expect(again.json).toMatchObject({ accepted: 0, duplicates: 4 });

    const quality = QualityReport.parse(
      (await call('/v1/monitor/models/sensor-anomaly/quality', { roles: ['predict'] })).json,
    );
    expect(quality).toMatchObject({
      model: 'sensor-anomaly',
      version: '1',
      count: 4,
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
    });
  });

  it('when a label comes on the labels topic, then it is joined like one posted to the API', async () => {
    const res = await call('/v2/models/sensor-anomaly/infer', {
      roles: ['predict'],
      body: {
        inputs: [
          { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
          { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
        ],
      },
    });
    const served = InferResponse.parse(res.json);
    const id = String(served.parameters?.prediction_ids);
    await eventually(
      () => call(`/v1/monitor/predictions/${served.id}`, { roles: ['predict'] }),
      (r) => r.json.counted === true,
    );
    const publish = await h.platform.apps.inference!.fetchDapr(`/v1.0/publish/pubsub/${Topics.labels}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prediction_id: id, label: 0 }),
    });
    expect(publish.status).toBe(204);
    const quality = await eventually(
      async () =>
        QualityReport.parse((await call('/v1/monitor/models/sensor-anomaly/quality', { roles: ['predict'] })).json),
      (q) => q.count === 5,
    );
    expect(quality.count).toBe(5);
  });

  it('when labels are malformed, unknown or sent with a predict token, then 400, unmatched or 403', async () => {
    const bad = await call('/v1/labels', { roles: ['ingest'], body: [{ prediction_id: 'x', label: 7 }] });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].path).toBe('0.label');
    expect(
      (await call('/v1/labels', { roles: ['ingest'], body: [{ prediction_id: 'never-made:0', label: 1 }] })).json,
    ).toEqual({ accepted: 0, duplicates: 0, unmatched: ['never-made:0'] });
    expect((await call('/v1/labels', { roles: ['predict'], body: [{ prediction_id: 'x', label: 1 }] })).status).toBe(
      403,
    );
  });

  // `faulty` answers for one or two rows and throws for three (tests/helpers/models.ts).
  const faulty = (n: number) => ({
    inputs: [
      { name: 'a', shape: [n], datatype: 'FP32', data: Array.from({ length: n }, (_, i) => i) },
      { name: 'b', shape: [n, 2], datatype: 'FP32', data: Array.from({ length: 2 * n }, (_, i) => i) },
    ],
  });
  const slo = async () => {
    const res = await call('/v1/monitor/models/faulty/slo', { roles: ['predict'] });
    return res.status === 200 ? SloReport.parse(res.json) : undefined;
  };

  it('when a model answers some requests and fails others, then its SLO report gives latency percentiles, the error rate and whether each objective is met, and keeps them across a monitor restart', async () => {
    expect((await call('/v1/monitor/models/faulty/slo', { roles: ['predict'] })).status).toBe(404);
    for (const n of [1, 2, 1])
      expect((await call('/v2/models/faulty/infer', { roles: ['predict'], body: faulty(n) })).status).toBe(200);
    expect((await call('/v2/models/faulty/infer', { roles: ['predict'], body: faulty(3) })).status).toBe(500);

    const report = (await eventually(slo, (r) => r?.window.requests === 4))!;
    expect(report).toMatchObject({
      model: 'faulty',
      window: { size: 1000, requests: 4 },
      error_rate: 0.25,
      fallback_rate: 0,
      objectives: { error_rate: 0.1 },
    });
    const { p50, p95, p99 } = report.latency_ms;
    expect(p50).toBeGreaterThan(0);
    expect(p50!).toBeLessThanOrEqual(p95!);
    expect(p95!).toBeLessThanOrEqual(p99!);
    expect(report.met).toEqual({
      latency_p99: p99! <= report.objectives.latency_p99_ms,
      error_rate: false,
      all: false,
    });

    await h.platform.restartApp('monitor');
    expect(await slo()).toEqual(report);
  });

  it("when a failed request's event is delivered twice, then it counts once", async () => {
    const before = (await slo())!;
    const publish = async (id: string) => {
      const event = {
        id,
        model: 'faulty',
        version: '1',
        rows: 3,
        latency_ms: 2,
        error: 'INTERNAL',
        ts: new Date().toISOString(),
      };
      const res = await h.platform.apps.inference!.fetchDapr(`/v1.0/publish/pubsub/${Topics.predictionErrors}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(204);
    };
    const id = `redelivered-${crypto.randomUUID()}`;
    await publish(id);
    await eventually(slo, (r) => r!.window.requests === before.window.requests + 1);
    await publish(id);
    // A later, different failure: once it is counted, the copy published before it has had its turn too.
    await publish(`after-${crypto.randomUUID()}`);
    const after = (await eventually(slo, (r) => r!.window.requests >= before.window.requests + 2))!;
    expect(after.window.requests).toBe(before.window.requests + 2);
    expect(after.error_rate).toBeCloseTo(3 / 6, 12);
  });

  it('when labels push a window of predictions below its F1 floor, then one degraded alert is raised, a repeated batch raises none, and the training app runs the retraining the alert names', async () => {
    const anomalies = (n: number) => ({
      inputs: [
        { name: 'humidity', shape: [n], datatype: 'FP32', data: Array(n).fill(53.06) },
        { name: 'temperature', shape: [n], datatype: 'FP32', data: Array(n).fill(39.9) },
      ],
    });
    // Windows are counted on every label of the version so far; top the current one up with correct labels first.
    const before = QualityReport.parse(
      (await call('/v1/monitor/models/sensor-anomaly/quality', { roles: ['predict'] })).json,
    );
    expect(before.version).toBe('1');
    // 1 to 10 correct labels: the window they close holds no false alarm, whatever came before.
    const topUp = 10 - (before.count % 10);
    const served = InferResponse.parse(
      (await call('/v2/models/sensor-anomaly/infer', { roles: ['predict'], body: anomalies(topUp + 10) })).json,
    );
    expect((served.outputs[0]!.data as number[]).every((p) => p >= 0.5)).toBe(true);
    const ids = String(served.parameters?.prediction_ids).split(',');
    await eventually(
      () => call(`/v1/monitor/predictions/${served.id}`, { roles: ['predict'] }),
      (r) => r.json.counted === true,
    );
    expect(
      (
        await call('/v1/labels', {
          roles: ['ingest'],
          body: ids.slice(0, topUp).map((id) => ({ prediction_id: id, label: 1 })),
        })
      ).json,
    ).toMatchObject({ accepted: topUp });
    expect(
      (await call('/v1/monitor/alerts', { roles: ['predict'] })).json.filter((a: Alert) => a.kind === 'degraded'),
    ).toEqual([]);

    // The next window: ten alarms that were all false (F1 0).
    const wrong = ids.slice(topUp).map((id) => ({ prediction_id: id, label: 0 }));
    expect((await call('/v1/labels', { roles: ['ingest'], body: wrong })).json).toEqual({
      accepted: 10,
      duplicates: 0,
      unmatched: [],
    });
    expect((await call('/v1/labels', { roles: ['ingest'], body: wrong })).json).toEqual({
      accepted: 0,
      duplicates: 10,
      unmatched: [],
    });

    const degraded = ((await call('/v1/monitor/alerts', { roles: ['predict'] })).json as unknown[])
      .map((a) => Alert.parse(a))
      .filter((a) => a.kind === 'degraded');
    expect(degraded).toHaveLength(1);
    const alert = degraded[0]!;
    const index = (before.count + topUp) / 10;
    expect(alert).toMatchObject({
      model: 'sensor-anomaly',
      version: '1',
      window: index,
      run_id: `degraded-${alert.id}`,
    });
    expect(DegradedEvidence.parse(alert.evidence)).toEqual({
      metrics: { count: 10, precision: 0, recall: 0, f1: 0 },
      thresholds: { min_f1: 0.6, min_labels: 10 },
      breached: ['f1'],
      window: { index, size: 10 },
    });

    const run = await eventually(
      async () => {
        const res = await h.platform.apps.training!.fetchApp(`/v1/training/runs/${alert.run_id}`);
        return res.status === 200 ? RunStatus.parse(await res.json()) : undefined;
      },
      (r) => r?.status === 'completed' || r?.status === 'failed',
      120_000,
    );
    expect(run).toMatchObject({ id: alert.run_id, model: 'sensor-anomaly', trigger: 'degraded', status: 'completed' });
  });
});

// Drift needs the registry card's training distributions, so this model is bootstrapped by the training app.
describe('drift windows in the state store', () => {
  const h = usePlatform('local', {
    apps: APPS_BUT_AGENTS,
    seedModels: false,
    env: { BOOTSTRAP_MODELS: 'sensor-anomaly', DRIFT_WINDOW: '300' },
  });
  const call = async (path: string, init: { body?: unknown; roles: Role[] }) => {
    const res = await h.gateway(path, {
      method: init.body === undefined ? 'GET' : 'POST',
      roles: init.roles,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: res.status, json: (await res.json()) as any }; // test-only: fields checked one by one
  };
  const heldOut = stratifiedSplit(loadSensorReadings(), {
    testFraction: 0.25,
    seed: 42,
    label: (r) => r.label,
  }).test.filter((r) => r.label === 0);
  const step = Math.floor(heldOut.length / 300);
  const readings = Array.from({ length: 300 }, (_, i) => heldOut[i * step]!);
  const send = async (rows: { humidity: number; temperature: number }[]) => {
    const res = await call('/v2/models/sensor-anomaly/infer', {
      roles: ['predict'],
      body: {
        inputs: [
          { name: 'humidity', shape: [rows.length], datatype: 'FP32', data: rows.map((r) => r.humidity) },
          { name: 'temperature', shape: [rows.length], datatype: 'FP32', data: rows.map((r) => r.temperature) },
        ],
      },
    });
    expect(res.status).toBe(200);
  };
  const drift = async () => {
    const res = await call('/v1/monitor/models/sensor-anomaly/drift', { roles: ['predict'] });
    return res.status === 200 ? DriftReport.parse(res.json) : undefined;
  };

  it('when the monitor restarts halfway through a window, then the window carries on with the rows it had', async () => {
    await eventually(
      () => call('/v2/models/sensor-anomaly', { roles: ['predict'] }),
      (r) => r.status === 200,
      60_000,
    );
    await send(readings.slice(0, 150));
    const half = (await eventually(drift, (r) => r?.window.rows === 150))!;
    expect(half.window).toEqual({ rows: 150, size: 300, index: 0, seen: 150 });

    await h.platform.restartApp('monitor');
    expect(await drift()).toEqual(half);
    await send(readings.slice(150));
    const full = (await eventually(drift, (r) => r?.window.rows === 300))!;
    expect(full.window).toEqual({ rows: 300, size: 300, index: 0, seen: 300 });
    expect(full.drifted).toBe(false);
  });

  it('when a prediction event is delivered twice, then its rows enter the window once', async () => {
    const publish = async (id: string, row: { humidity: number; temperature: number }) => {
      const event = {
        id,
        model: 'sensor-anomaly',
        version: '1',
        input_hash: id,
        rows: 1,
        latency_ms: 1,
        ts: new Date().toISOString(),
        inputs: { humidity: [row.humidity], temperature: [row.temperature] },
        outputs: { anomaly_probability: [0.01] },
      };
      const res = await h.platform.apps.inference!.fetchDapr(`/v1.0/publish/pubsub/${Topics.predictions}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(204);
    };
    const id = `redelivered-${crypto.randomUUID()}`;
    await publish(id, readings[0]!);
    await eventually(drift, (r) => r?.window.index === 1);
    await publish(id, readings[0]!);
    // A later, different event: once its row is in, the copy published before it has had its turn too.
    const later = `after-${crypto.randomUUID()}`;
    await publish(later, readings[1]!);
    await eventually(
      () => call(`/v1/monitor/predictions/${later}`, { roles: ['predict'] }),
      (r) => r.json.counted === true,
    );
    const report = (await drift())!;
    // Rows 301 and 302, not 303.
    expect(report.window).toEqual({ rows: 300, size: 300, index: 1, seen: 302 });
  });
});
