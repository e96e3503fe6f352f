import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@meridian/service-kit';
import { MemoryRunRecords, MemoryWorkflows } from '../testing/fakes.ts';
import { Runs } from './runs.ts';

let workflows: MemoryWorkflows;
let records: MemoryRunRecords;
let runs: Runs;
beforeEach(() => {
  workflows = new MemoryWorkflows();
  records = new MemoryRunRecords();
  runs = new Runs({ workflows, records });
});

const steps = [
  { name: 'snapshot', status: 'completed' as const },
  { name: 'train', status: 'running' as const },
];

describe('starting runs', () => {
  it('when a run is started, then its request is kept and the workflow is scheduled with the checked parameters', async () => {
    const id = await runs.start({ model: 'sensor-anomaly', params: { algorithm: 'mlp', epochs: 2 } }, 'run-1');
    expect(id).toBe('run-1');
    expect(records.requests.get('run-1')).toEqual({ model: 'sensor-anomaly', trigger: 'api' });
    expect(workflows.instances.get('run-1')?.input).toEqual({
      runId: 'run-1',
      model: 'sensor-anomaly',
      params: { algorithm: 'mlp', epochs: 2 },
      trigger: 'api',
    });
  });

  it('when the model has no trainer, then 404 and nothing is scheduled', async () => {
    await expect(runs.start({ model: 'nope' })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('trainable: sensor-anomaly'),
    });
    expect(workflows.instances.size).toBe(0);
  });

  it('when a parameter is unknown or out of range, then 400 names it under params', async () => {
    const err = await runs
      .start({ model: 'sensor-anomaly', params: { epochs: 0, colour: 'red' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).errors?.map((e) => e.path).sort()).toEqual(['params', 'params.epochs']);
  });

  it('when a run with that id exists, then startOnce starts nothing', async () => {
    expect(await runs.startOnce({ model: 'spam', trigger: 'drift' }, 'drift-1')).toBe(true);
    expect(await runs.startOnce({ model: 'spam', trigger: 'drift' }, 'drift-1')).toBe(false);
    expect([...workflows.instances.keys()]).toEqual(['drift-1']);
  });
});

describe("a run's status as it goes", () => {
  it('when the workflow has not started, then the run is pending and names its model and trigger from the kept request', async () => {
    await runs.start({ model: 'spam', trigger: 'schedule' }, 'run-2');
    workflows.update('run-2', { input: {} });
    expect(await runs.status('run-2')).toMatchObject({
      id: 'run-2',
      model: 'spam',
      trigger: 'schedule',
      status: 'pending',
      steps: [],
      created_at: '2026-12-01T10:00:00.000Z',
    });
  });

  it('when it is running, then the steps and the training progress show', async () => {
    await runs.start({ model: 'spam' }, 'run-3');
    workflows.update('run-3', { phase: 'running', custom: { model: 'spam', trigger: 'api', steps } });
    await records.saveProgress({ id: 'run-3', progress: { epoch: 2, epochs: 5, loss: 0.4, elapsed_ms: 100 } });
    expect(await runs.status('run-3')).toMatchObject({ status: 'running', steps, progress: { epoch: 2, epochs: 5 } });
  });

  it('when it ended with a completed output, then it is completed with its version and no reason', async () => {
    await runs.start({ model: 'spam' }, 'run-4');
    workflows.update('run-4', {
      phase: 'ended',
      output: { status: 'completed', version: '7' },
      custom: { model: 'spam', trigger: 'api', steps, reason: 'stale', metrics: { f1: 0.9 } },
    });
    const status = await runs.status('run-4');
    expect(status).toMatchObject({ status: 'completed', version: '7', metrics: { f1: 0.9 } });
    expect(status.reason).toBeUndefined();
  });

  it("when it ended without a completed output, then it failed, with the step's reason or else the workflow's", async () => {
    await runs.start({ model: 'spam' }, 'run-5');
    workflows.update('run-5', { phase: 'ended', output: { status: 'failed', reason: 'gate: candidate is worse' } });
    expect(await runs.status('run-5')).toMatchObject({ status: 'failed', reason: 'gate: candidate is worse' });
    workflows.update('run-5', { output: undefined, failure: 'worker crashed' });
    expect(await runs.status('run-5')).toMatchObject({ status: 'failed', reason: 'worker crashed' });
  });

  it('when the state store is down, then the status still answers, without progress', async () => {
    await runs.start({ model: 'spam' }, 'run-6');
    workflows.update('run-6', { phase: 'running' });
    records.down = true;
    expect(await runs.status('run-6')).toMatchObject({ model: 'spam', status: 'running' });
  });

  it('when no run has the id, then 404', async () => {
    await expect(runs.status('run-x')).rejects.toMatchObject({ status: 404, message: 'no training run run-x' });
  });
});

describe('listing runs', () => {
  it('when runs were started, then the list holds the latest first, as many as asked', async () => {
    for (const id of ['run-a', 'run-b', 'run-c']) await runs.start({ model: 'spam' }, id);
    workflows.update('run-c', { phase: 'running', custom: { model: 'spam', trigger: 'api', steps } });
    const listed = await runs.list({ limit: 2 });
    expect(listed.runs.map((r) => [r.id, r.status])).toEqual([
      ['run-c', 'running'],
      ['run-b', 'pending'],
    ]);
  });

  it('when a listed run has no workflow (its scheduling failed), then the list leaves it out', async () => {
    await runs.start({ model: 'spam' }, 'run-kept');
    await records.addToIndex('run-never-scheduled');
    expect((await runs.list({ limit: 50 })).runs.map((r) => r.id)).toEqual(['run-kept']);
  });

  it('when a run is started again under the same id, then it is listed once', async () => {
    await runs.startOnce({ model: 'spam', trigger: 'drift' }, 'drift-2');
    await runs.startOnce({ model: 'spam', trigger: 'drift' }, 'drift-2');
    expect((await runs.list({ limit: 50 })).runs.map((r) => r.id)).toEqual(['drift-2']);
  });
});
