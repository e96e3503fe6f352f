import { describe, expect, it } from 'vitest';
import { AgentIncident, Alert, DriftReport, RunStatus, type Role } from '@meridian/contracts';
import { loadSensorReadings, stratifiedSplit } from '@meridian/ml';
import { eventually, usePlatform } from './helpers/platform.ts';

// Models come from the registry (bootstrapped by the training app), so their
// cards carry the training distributions drift is measured against.
describe('drift monitoring and the alerts that start retraining', () => {
  // Drift reports are on the version serving: a 5 s canary keeps version 1 serving while its alert is read.
  const h = usePlatform('local', {
    seedModels: false,
    env: { BOOTSTRAP_MODELS: 'sensor-anomaly', DRIFT_WINDOW: '300', CANARY_SECONDS: '5' },
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
  const spread = (offset: number) => Array.from({ length: 300 }, (_, i) => heldOut[i * step + offset]!);
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
    return String(res.json.id);
  };
  // Counted means fully taken in, the drift judgement of a window it filled included.
  const counted = (id: string) =>
    eventually(
      () => call(`/v1/monitor/predictions/${id}`, { roles: ['predict'] }),
      (r) => r.json.counted === true,
    );

  const report = async () =>
    DriftReport.parse((await call('/v1/monitor/models/sensor-anomaly/drift', { roles: ['predict'] })).json);

  it('when a window of readings like the training data arrives, then no feature drifts; while it fills, the report is provisional', async () => {
    await eventually(
      () => call('/v2/models/sensor-anomaly', { roles: ['predict'] }),
      (r) => r.status === 200,
      60_000,
    );
    // A model the registry knows has a report before any prediction; one it does not know has none.
    expect(await report()).toMatchObject({
      model: 'sensor-anomaly',
      rows_seen: 0,
      window_filled: false,
      provisional: true,
      features: [],
      drifted: false,
    });
    expect((await call('/v1/monitor/models/no-such-model/drift', { roles: ['predict'] })).status).toBe(404);
    // 300 readings spread evenly over the whole held-out split (all motes, all times), like the training rows; half first.
    const rows = spread(0);
    await send(rows.slice(0, 150));
    const half = await eventually(report, (r) => r.rows_seen === 150);
    expect(half).toMatchObject({
      window: { rows: 150, size: 300, index: 0, seen: 150 },
      window_filled: false,
      provisional: true,
      drifted: false,
    });
    expect(half.features.every((f) => f.provisional && f.rows === 150)).toBe(true);
    await counted(await send(rows.slice(150)));
    const full = await report();
    expect(full.rows_seen).toBe(300);
    expect(full).toMatchObject({ window_filled: true, provisional: false });
    expect(full.features.map((f) => f.name).sort()).toEqual(['anomaly_probability', 'humidity', 'temperature']);
    expect(full.features.find((f) => f.name === 'temperature')!.psi).toBeLessThan(0.2);
    expect(full.drifted).toBe(false);
    expect((await call('/v1/monitor/alerts', { roles: ['predict'] })).json).toEqual([]);
  });

  it('when the next window is 6 °C warmer, then temperature drifts, one alert is raised and the retraining run it started completes', async () => {
    await send(spread(1).map((r) => ({ humidity: r.humidity, temperature: r.temperature + 6 })));
    const alerts = await eventually(
      async () => (await call('/v1/monitor/alerts', { roles: ['predict'] })).json as unknown[],
      (a) => a.length > 0,
    );
    expect(alerts).toHaveLength(1);
    const alert = Alert.parse(alerts[0]);
    expect(alert).toMatchObject({ model: 'sensor-anomaly', kind: 'drift', window: 1 });
    expect(JSON.stringify(alert.evidence)).toContain('temperature');
    expect(await report()).toMatchObject({
      version: alert.version,
      features: expect.arrayContaining([expect.objectContaining({ name: 'temperature', drifted: true })]),
    });
    const run = await eventually(
      async () => RunStatus.parse((await call(`/v1/training/runs/${alert.run_id}`, { roles: ['admin'] })).json),
      (r) => r.status === 'completed' || r.status === 'failed',
      90_000,
    );
    expect(run).toMatchObject({ trigger: 'drift', status: 'completed' });
    // The model's incident agent gathered the alert's evidence and follows the run it started.
    const incidents = await eventually(
      async () => AgentIncident.array().parse((await call('/v1/agents/incidents', { roles: ['predict'] })).json),
      (list) => list.some((i) => i.summary.includes('is completed')),
      90_000,
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ model: 'sensor-anomaly', kind: 'drift', evidence: { run_id: alert.run_id } });
    expect(incidents[0]!.summary).toContain('temperature');
  });
});
