import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InferResponse, RunStatus, Topics, type Role } from '@meridian/contracts';
import { trainSensorAnomalyBaseline } from '@meridian/ml';
import { APPS_BUT_AGENTS, eventually, usePlatform } from './helpers/platform.ts';

interface VersionRow {
  version: string;
  stage: string;
  metrics?: Record<string, number>;
  created_at: string;
  metadata?: { params?: { training_run?: string } };
}

// A fresh platform: no model anywhere until the training app bootstraps one
// through the registry; canaries serve 6 s before promotion.
describe('training, registry and the durable retraining workflow', () => {
  const h = usePlatform('local', {
    apps: APPS_BUT_AGENTS,
    seedModels: false,
    env: { BOOTSTRAP_MODELS: 'sensor-anomaly', CANARY_SECONDS: '6' },
  });
  const call = async (path: string, init: { method?: string; body?: unknown; roles?: Role[] } = {}) => {
    const res = await h.gateway(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      roles: init.roles ?? ['admin'],
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const versions = async () =>
    ((await call('/v1/registry/models/sensor-anomaly/versions', { roles: ['predict'] })).json ?? []) as VersionRow[];
  const production = async () => (await versions()).find((v) => v.stage === 'production');
  const run = async (id: string) => RunStatus.parse((await call(`/v1/training/runs/${id}`)).json);
  const finished = (id: string, timeoutMs = 120_000) =>
    eventually(
      () => run(id),
      (r) => r.status === 'completed' || r.status === 'failed',
      timeoutMs,
    );

  it('when the platform starts with an empty registry, then a bootstrap run trains, registers and promotes sensor-anomaly, and inference serves it', async () => {
    const boot = await finished('bootstrap-sensor-anomaly');
    expect(boot.status).toBe('completed');
    expect(boot.steps.map((s) => [s.name, s.status])).toEqual([
      ['snapshot', 'completed'],
      ['train', 'completed'],
      ['evaluate', 'completed'],
      ['gate', 'completed'],
      ['register', 'completed'],
      ['canary', 'skipped'],
      ['promote', 'completed'],
    ]);
    const prod = await eventually(production, (p) => p !== undefined);
    expect(prod).toMatchObject({ version: boot.version, stage: 'production' });
    expect(prod!.metrics?.f1).toBeGreaterThan(0.7);
    const served = await eventually(
      () => call('/v2/models/sensor-anomaly', { roles: ['predict'] }),
      (r) => r.status === 200 && r.json.versions.includes(boot.version),
    );
    expect(served.json.versions).toContain(boot.version);
  });

  it('when a run is started through the gateway, then it passes the gate, serves as a canary, is promoted, and the old version is archived', async () => {
    const before = await production();
    const started = await call('/v1/training/runs', {
      body: { model: 'sensor-anomaly', params: { algorithm: 'logistic' } },
    });
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    const canary = await eventually(
      () => run(id),
      (r) => r.steps.find((s) => s.name === 'canary')?.status === 'running',
    );
    expect(canary.status).toBe('running');
    const done = await finished(id);
    expect(done.status).toBe('completed');
    expect(done.steps.every((s) => s.status === 'completed' && s.started_at && s.ended_at)).toBe(true);
    expect(done.version).not.toBe(before!.version);
    const rows = await versions();
    expect(rows.find((v) => v.version === done.version)?.stage).toBe('production');
    expect(rows.find((v) => v.version === before!.version)?.stage).toBe('archived');
  });

  it('when the model or parameters are wrong, then 404 or 400 naming them; a predict token may not train', async () => {
    expect((await call('/v1/training/runs', { body: { model: 'no-such-model' } })).status).toBe(404);
    const bad = await call('/v1/training/runs', {
      body: { model: 'sensor-anomaly', params: { algorithm: 'forest', l2: -1 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['params.algorithm', 'params.l2']);
    expect((await call('/v1/training/runs', { body: { model: 'sensor-anomaly' }, roles: ['predict'] })).status).toBe(
      403,
    );
    expect((await call('/v1/training/runs/run-unknown')).status).toBe(404);
  });

  it('when training fails, then the run ends failed with the reason and production is untouched', async () => {
    const before = await production();
    const started = await call('/v1/training/runs', { body: { model: 'sensor-anomaly', params: { max_iter: 1 } } });
    const done = await finished(started.json.id);
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(/^train: /);
    expect(done.steps.find((s) => s.name === 'register')?.status).toBe('skipped');
    expect((await production())?.version).toBe(before!.version);
  });

  it('when the training app and its sidecar are killed mid-workflow, then after a restart the run resumes where it was and completes', async () => {
    const started = await call('/v1/training/runs', { body: { model: 'sensor-anomaly' } });
    const id = started.json.id as string;
    const waiting = await eventually(
      () => run(id),
      (r) => r.steps.find((s) => s.name === 'canary')?.status === 'running',
    );
    const trainedAt = waiting.steps.find((s) => s.name === 'train')!;
    await h.platform.crash('training');
    await h.platform.revive('training');
    const done = await finished(id);
    expect(done.status, done.reason).toBe('completed');
    // The finished steps were not run again: same timestamps, and one registered version for this run.
    expect(done.steps.find((s) => s.name === 'train')).toEqual(trainedAt);
    expect((await versions()).filter((v) => v.metadata?.params?.training_run === id)).toHaveLength(1);
    expect((await production())?.version).toBe(done.version);
  });

  it('when a drift event arrives twice, then exactly one retraining run starts for it', async () => {
    const event = { id: `drift-test-${Date.now()}`, model: 'sensor-anomaly', evidence: { psi: 0.4 } };
    const inference = h.platform.apps.inference!;
    for (let i = 0; i < 2; i++) {
      const res = await inference.fetchDapr(`/v1.0/publish/pubsub/${Topics.driftDetected}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(204);
    }
    const id = `drift-${event.id}`;
    const status = await eventually(
      () => call(`/v1/training/runs/${id}`),
      (r) => r.status === 200,
    );
    expect(status.json).toMatchObject({ id, model: 'sensor-anomaly', trigger: 'drift' });
    expect((await finished(id)).status).toBe('completed');
  });

  it('when a version whose stored artifact is corrupt becomes production, then inference refuses it with a clear log and keeps serving the previous one', async () => {
    const before = (await production())!;
    const base = trainSensorAnomalyBaseline();
    const registered = await call('/v1/registry/models/sensor-anomaly/versions', {
      body: {
        artifact: Buffer.from(base.onnx).toString('base64'),
        artifact_file: 'model.onnx',
        metadata: base.metadata,
      },
    });
    expect(registered.status).toBe(201);
    const version = registered.json.version as string;
    writeFileSync(
      join(h.platform.dataDir, 'artifacts', 'sensor-anomaly', version, 'model.onnx'),
      'not the bytes that were registered',
    );
    expect(
      (
        await call(`/v1/registry/models/sensor-anomaly/versions/${version}/stage`, {
          body: { stage: 'production', reason: 'corrupt on purpose' },
        })
      ).status,
    ).toBe(200);
    const log = join(h.platform.dataDir, 'logs', 'inference.log');
    await eventually(
      async () => readFileSync(log, 'utf8'),
      (text) => text.includes('registry version refused') && text.includes(`"version":"${version}"`),
    );
    const res = await call('/v2/models/sensor-anomaly/infer', {
      roles: ['predict'],
      body: {
        inputs: [
          { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
          { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
        ],
      },
    });
    expect(InferResponse.parse(res.json).model_version).toBe(before.version);
    expect(
      (await call('/v1/registry/models/sensor-anomaly/rollback', { body: { reason: 'undo the corrupt version' } }))
        .status,
    ).toBe(200);
  });
});
