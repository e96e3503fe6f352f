import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkflowActivityContext } from '@dapr/dapr';
import { createLogger } from '@meridian/service-kit';
import { MemoryInference, MemoryRegistry, MemoryRunRecords } from '../testing/fakes.ts';
import { createActivities } from './activities.ts';

createLogger({ name: 'test', level: 'silent' });
const ctx = {} as WorkflowActivityContext;

function setup(registry = new MemoryRegistry(), workDir = '/nonexistent') {
  const inference = new MemoryInference();
  const activities = createActivities({
    registry,
    inference,
    records: new MemoryRunRecords(),
    workDir,
    gateMargin: 0.01,
    codeVersion: 'abc123',
    featuresAppId: '',
    offlineFeatures: async () => [],
  });
  return { activities, registry, inference };
}

const workDirs: string[] = [];
afterAll(() => Promise.all(workDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A run folder as the train step leaves it. */
async function trainedRun(runId: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'training-'));
  workDirs.push(dir);
  await mkdir(join(dir, runId));
  await writeFile(join(dir, runId, 'model.onnx'), Buffer.from([1, 2, 3]));
  const metadata = {
    platform: 'onnx',
    created_at: '2026-01-01T00:00:00Z',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
    params: { training_run: runId },
  };
  await writeFile(
    join(dir, runId, 'trained.json'),
    JSON.stringify({ artifactFile: 'model.onnx', metadata, metrics: { f1: 0.9 } }),
  );
  return dir;
}

describe('the retraining steps, against a registry and inference in memory', () => {
  it('when the candidate is worse than production, then the gate step rejects it; when better, then it passes', async () => {
    const { activities } = setup(
      new MemoryRegistry().add({ name: 'm', version: '1', stage: 'production', metrics: { f1: 0.9 } }),
    );
    expect(await activities.gate(ctx, { model: 'm', metrics: { f1: 0.8 }, gateMetric: 'f1' })).toMatchObject({
      passed: false,
      production: '1',
    });
    expect(await activities.gate(ctx, { model: 'm', metrics: { f1: 0.92 }, gateMetric: 'f1' })).toMatchObject({
      passed: true,
      production: '1',
    });
  });

  it('when a trained run is registered twice (the step runs again), then the registry gets it once, with its bytes and code version', async () => {
    const { activities, registry } = setup(new MemoryRegistry(), await trainedRun('run-9'));
    expect(await activities.register(ctx, { runId: 'run-9', model: 'm' })).toBe('1');
    expect(await activities.register(ctx, { runId: 'run-9', model: 'm' })).toBe('1');
    expect(registry.registered).toHaveLength(1);
    expect(registry.registered[0]!.request).toMatchObject({
      artifact: 'AQID',
      artifact_file: 'model.onnx',
      code_version: 'abc123',
    });
  });

  it('when a canary is promoted, then it is production and the version it replaced is archived', async () => {
    const { activities, registry } = setup(
      new MemoryRegistry()
        .add({ name: 'm', version: '1', stage: 'production' })
        .add({ name: 'm', version: '2', stage: 'candidate' }),
    );
    await activities.canary(ctx, { model: 'm', version: '2', percent: 10 });
    expect(registry.records.map((r) => r.stage)).toEqual(['production', 'staging']);
    await activities.promote(ctx, { model: 'm', version: '2', reason: 'canary healthy' });
    await activities.promote(ctx, { model: 'm', version: '2', reason: 'the step ran again' });
    expect(registry.records.map((r) => r.stage)).toEqual(['archived', 'production']);
  });

  it('when inference has loaded the canary, then the check is healthy', async () => {
    const { activities, inference } = setup();
    inference.loaded.add('m/2');
    expect(await activities.checkCanary(ctx, { model: 'm', version: '2' })).toEqual({
      healthy: true,
      reason: 'version 2 loaded and ready in inference',
    });
  });
});
