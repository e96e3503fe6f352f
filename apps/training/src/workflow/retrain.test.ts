import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkflowActivityContext, WorkflowContext } from '@dapr/dapr';
import { createLogger } from '@meridian/service-kit';
import { MemoryInference, MemoryRegistry, MemoryRunRecords } from '../testing/fakes.ts';
import { createActivities, type RetrainActivities } from './activities.ts';
import { retrainWorkflow, type RetrainCustomStatus, type RetrainOutput } from './retrain.ts';

createLogger({ name: 'test', level: 'silent' });
const RUN = 'run-1';
const workDirs: string[] = [];
afterAll(() => Promise.all(workDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A run folder as the train step leaves it, with `f1` as the held-out metric. */
async function trainedRun(f1: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'retrain-'));
  workDirs.push(dir);
  await mkdir(join(dir, RUN));
  await writeFile(join(dir, RUN, 'model.onnx'), Buffer.from([1, 2, 3]));
  const metadata = {
    platform: 'onnx',
    created_at: '2026-01-01T00:00:00Z',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
    params: { training_run: RUN },
  };
  await writeFile(
    join(dir, RUN, 'trained.json'),
    JSON.stringify({ artifactFile: 'model.onnx', metadata, metrics: { f1 } }),
  );
  return dir;
}

/**
 * The real steps over a registry and inference in memory; snapshot and train are stubbed (the run
 * folder is already trained), and `healthy` decides the canary check instead of a minute of polling.
 */
async function steps(o: { f1: number; registry: MemoryRegistry; healthy: boolean }): Promise<RetrainActivities> {
  const real = createActivities({
    registry: o.registry,
    inference: new MemoryInference(),
    records: new MemoryRunRecords(),
    workDir: await trainedRun(o.f1),
    gateMargin: 0.01,
    codeVersion: 'abc123',
    featuresAppId: '',
    offlineFeatures: async () => [],
  });
  return {
    ...real,
    snapshot: async () => ({ dataset: 'd', hash: 'f'.repeat(64), rows: 10 }),
    train: async () => ({ artifactFile: 'model.onnx' }),
    checkCanary: async () =>
      o.healthy ? { healthy: true, reason: 'ready' } : { healthy: false, reason: 'inference answers 404' },
  };
}

/**
 * Runs the workflow generator as Dapr Workflow would, in process: each yielded activity is called
 * and its result (or error) sent back; the canary's durable timer fires at once.
 */
async function drive(o: { activities: RetrainActivities; canaryPercent: number }) {
  const called: { name: string; input: unknown }[] = [];
  let status: RetrainCustomStatus | undefined;
  const ctx = {
    getCurrentUtcDateTime: () => new Date('2026-12-01T10:00:00Z'),
    setCustomStatus: (s: string) => {
      status = JSON.parse(s) as RetrainCustomStatus;
    },
    callActivity: (activity: unknown, input: unknown) => ({ activity, input }),
    createTimer: (seconds: number) => ({ timer: seconds }),
  } as unknown as WorkflowContext;
  const run = retrainWorkflow({ canaryPercent: o.canaryPercent, canarySeconds: 30 })(ctx, {
    runId: RUN,
    model: 'spam',
    params: {},
    trigger: 'api',
  });
  let next = await run.next();
  while (!next.done) {
    const task = next.value as { activity?: keyof RetrainActivities; input?: unknown };
    if (!task.activity) {
      next = await run.next(undefined);
      continue;
    }
    called.push({ name: task.activity, input: task.input });
    const activity = o.activities[task.activity] as (c: WorkflowActivityContext, i: unknown) => Promise<unknown>;
    try {
      next = await run.next(await activity({} as WorkflowActivityContext, task.input));
    } catch (err) {
      next = await run.throw(err);
    }
  }
  return { output: next.value as RetrainOutput, status: status!, called };
}

const withProduction = () =>
  new MemoryRegistry().add({ name: 'spam', version: '1', stage: 'production', metrics: { f1: 0.9 } });
const stepOf = (status: RetrainCustomStatus, name: string) => status.steps.find((s) => s.name === name);

describe('the retraining workflow, run in process', () => {
  it('when the candidate is worse than production, then the run fails at the gate, nothing is registered and production stays', async () => {
    const registry = withProduction();
    const { output, status, called } = await drive({
      activities: await steps({ f1: 0.5, registry, healthy: true }),
      canaryPercent: 10,
    });
    expect(output).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^gate: candidate is worse: f1 0\.5000/),
    });
    expect(called.map((c) => c.name)).toEqual(['snapshot', 'train', 'evaluate', 'gate']);
    expect(registry.registered).toEqual([]);
    expect(registry.records.map((r) => [r.version, r.stage])).toEqual([['1', 'production']]);
    expect(status.steps.map((s) => s.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'failed',
      'skipped',
      'skipped',
      'skipped',
    ]);
  });

  it('when the canary is judged unhealthy, then the new version is rolled back (archived), production stays, and the run fails at the canary', async () => {
    const registry = withProduction();
    const { output, status, called } = await drive({
      activities: await steps({ f1: 0.95, registry, healthy: false }),
      canaryPercent: 10,
    });
    expect(output).toEqual({
      status: 'failed',
      version: '2',
      reason: 'canary: inference answers 404; version 2 rolled back',
    });
    expect(called.map((c) => c.name)).toEqual([
      'snapshot',
      'train',
      'evaluate',
      'gate',
      'register',
      'canary',
      'checkCanary',
      'rollback',
    ]);
    expect(registry.records.map((r) => [r.version, r.stage])).toEqual([
      ['1', 'production'],
      ['2', 'archived'],
    ]);
    expect(registry.moves.at(-1)).toMatchObject({
      version: '2',
      stage: 'archived',
      reason: 'canary failed: inference answers 404',
    });
    expect([stepOf(status, 'canary')?.status, stepOf(status, 'promote')?.status]).toEqual(['failed', 'skipped']);
  });

  it('when the canary is healthy, then the new version is promoted and the one it replaced archived', async () => {
    const registry = withProduction();
    const { output } = await drive({
      activities: await steps({ f1: 0.95, registry, healthy: true }),
      canaryPercent: 10,
    });
    expect(output).toEqual({ status: 'completed', version: '2' });
    expect(registry.records.map((r) => [r.version, r.stage])).toEqual([
      ['1', 'archived'],
      ['2', 'production'],
    ]);
  });

  it('when CANARY_PERCENT is 25, then the canary step is asked for 25% and the staging move and the run status carry that share', async () => {
    const registry = withProduction();
    const { status, called } = await drive({
      activities: await steps({ f1: 0.95, registry, healthy: true }),
      canaryPercent: 25,
    });
    expect(called.find((c) => c.name === 'canary')?.input).toEqual({ model: 'spam', version: '2', percent: 25 });
    expect(registry.moves.find((m) => m.stage === 'staging')).toMatchObject({ version: '2', reason: 'canary at 25%' });
    expect(stepOf(status, 'canary')?.detail).toBe('25% for 30s: ready');
  });
});
