import { afterAll, describe, expect, it } from 'vitest';
import { APPS_BUT_AGENTS, eventually, usePlatform } from './helpers/platform.ts';

// Scheduled retraining through the Dapr Jobs API: the scheduler calls the
// training app when the job is due. The job lives in the run's shared
// scheduler, so it is deleted afterwards.
describe('scheduled retraining (Dapr Jobs API)', () => {
  const h = usePlatform('local', {
    apps: APPS_BUT_AGENTS,
    seedModels: false,
    env: { BOOTSTRAP_MODELS: '', RETRAIN_SCHEDULE: 'sensor-anomaly=@every 3s', CANARY_SECONDS: '0' },
  });
  afterAll(async () => {
    await h.platform.apps.training!.fetchDapr(`/v1.0-alpha1/jobs/retrain-sensor-anomaly`, { method: 'DELETE' });
  });

  it('when a schedule is configured, then the job is registered and its runs train and register versions with no API call', async () => {
    const job = await eventually(
      () => h.platform.apps.training!.fetchDapr(`/v1.0-alpha1/jobs/retrain-sensor-anomaly`),
      (r) => r.status === 200,
    );
    expect(await job.json()).toMatchObject({ name: 'retrain-sensor-anomaly', schedule: '@every 3s' });
    const token = await h.token(['predict']);
    const versions = await eventually(
      async () =>
        (
          await fetch(`${h.platform.gatewayUrl}/v1/registry/models/sensor-anomaly/versions`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json() as Promise<{ stage: string }[]>,
      (rows) => Array.isArray(rows) && rows.some((r) => r.stage === 'production'),
      60_000,
    );
    expect(versions.some((r) => r.stage === 'production')).toBe(true);
  });
});
