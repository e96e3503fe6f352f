import { describe, expect, it } from 'vitest';
import type { WorkflowActivityContext } from '@dapr/dapr';
import { InferenceClient, RegistryClient, createLogger } from '@meridian/service-kit';
import { fakeSidecar, problemAnswer, registryRecord, sidecarAnswer, type FakeInvocation } from '@meridian/testkit';
import { MemoryRunRecords } from '../testing/fakes.ts';
import { createActivities } from './activities.ts';

createLogger({ name: 'test', level: 'silent' });
const ctx = {} as WorkflowActivityContext;

/** Training's sidecar: a registry holding `versions` of model m, and an inference app. */
function setup(o: {
  versions: ReturnType<typeof registryRecord>[];
  stage?: (call: FakeInvocation) => ReturnType<typeof sidecarAnswer>;
  ready?: boolean;
}) {
  const sidecar = fakeSidecar({
    invoke(call) {
      if (call.appId === 'inference')
        return o.ready === false
          ? problemAnswer({ status: 404, detail: 'no version' })
          : sidecarAnswer({ body: { name: 'm', version: '2', ready: true } });
      if (call.method === 'v1/registry/models/m/versions')
        return sidecarAnswer({ body: o.versions.map(({ history: _h, ...summary }) => summary) });
      if (call.method.endsWith('/stage') && o.stage) return o.stage(call);
      return problemAnswer({ status: 404, detail: 'unknown model' });
    },
  });
  const activities = createActivities({
    registry: new RegistryClient({ dapr: sidecar, appId: 'registry' }),
    inference: new InferenceClient({ dapr: sidecar, appId: 'inference' }),
    records: new MemoryRunRecords(),
    workDir: '/nonexistent',
    gateMargin: 0.01,
    codeVersion: 'test',
    featuresAppId: '',
    offlineFeatures: async () => [],
  });
  return { activities, sidecar };
}

describe('retraining activities against the registry and inference', () => {
  it('when a stage move fails but the version is already in that stage (a step run again), then it counts as moved', async () => {
    const { activities } = setup({
      versions: [registryRecord({ name: 'm', version: '2', stage: 'staging' })],
      stage: () => problemAnswer({ status: 409, detail: 'already staging' }),
    });
    await expect(activities.canary(ctx, { model: 'm', version: '2', percent: 10 })).resolves.toBeUndefined();
  });

  it('when a stage move fails and the version is elsewhere, then the failure stands', async () => {
    const { activities } = setup({
      versions: [registryRecord({ name: 'm', version: '2', stage: 'candidate' })],
      stage: () => problemAnswer({ status: 409, detail: 'conflict' }),
    });
    await expect(activities.promote(ctx, { model: 'm', version: '2', reason: 'canary healthy' })).rejects.toMatchObject(
      { code: 'CONFLICT' },
    );
  });

  it('when the model is new to the registry, then the gate passes; when production has the metric, then the candidate is compared with it', async () => {
    expect(
      await setup({ versions: [] }).activities.gate(ctx, { model: 'other', metrics: { f1: 0.8 }, gateMetric: 'f1' }),
    ).toMatchObject({ passed: true });
    const { activities } = setup({
      versions: [registryRecord({ name: 'm', version: '1', stage: 'production', metrics: { f1: 0.9 } })],
    });
    expect(await activities.gate(ctx, { model: 'm', metrics: { f1: 0.8 }, gateMetric: 'f1' })).toMatchObject({
      passed: false,
      production: '1',
    });
  });

  it('when a run was already registered (the step runs again), then its version is answered without registering twice', async () => {
    const { activities, sidecar } = setup({
      versions: [registryRecord({ name: 'm', version: '4', metadata: { params: { training_run: 'run-1' } } })],
    });
    expect(await activities.register(ctx, { runId: 'run-1', model: 'm' })).toBe('4');
    expect(sidecar.calls.filter((c) => c.httpMethod === 'POST')).toEqual([]);
  });

  it('when inference has loaded the canary, then the check is healthy at once', async () => {
    const { activities, sidecar } = setup({ versions: [] });
    expect(await activities.checkCanary(ctx, { model: 'm', version: '2' })).toEqual({
      healthy: true,
      reason: 'version 2 loaded and ready in inference',
    });
    expect(sidecar.calls.map((c) => c.method)).toEqual(['v2/models/m/versions/2/ready']);
  });
});
