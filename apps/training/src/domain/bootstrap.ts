import { retryUntilReady, rootLogger } from '@meridian/service-kit';
import type { JobScheduler, Registry } from './ports.ts';
import { registeredVersions } from './registered-versions.ts';
import type { Runs } from './runs.ts';

/** Each step waits for what it needs to start (the sidecar, the registry app): they start beside us. */
const untilDone = (what: string, attempt: () => Promise<unknown>) =>
  retryUntilReady({ what, attempt, intervalMs: 500 });

/** Scheduled retraining through Dapr Jobs: the sidecar calls POST /job/retrain-<model> when due. */
export async function scheduleRetraining(o: {
  jobs: JobScheduler;
  schedule: { model: string; schedule: string }[];
}): Promise<void> {
  for (const { model, schedule } of o.schedule) {
    await untilDone(`schedule ${model}`, () =>
      o.jobs.scheduleJob({ name: `retrain-${model}`, schedule, data: { model } }),
    );
    rootLogger().info({ model, schedule }, 'retraining scheduled (Dapr Jobs)');
  }
}

/** Trains and promotes the models the registry has no version of yet, once each (the run id is fixed). */
export async function bootstrapModels(o: {
  registry: Pick<Registry, 'versions'>;
  runs: Pick<Runs, 'startOnce'>;
  models: string[];
}): Promise<void> {
  for (const model of o.models) {
    await untilDone(`bootstrap ${model}`, async () => {
      if ((await registeredVersions(o.registry, model)).length) return;
      if (await o.runs.startOnce({ model, trigger: 'bootstrap' }, `bootstrap-${model}`))
        rootLogger().info({ model }, 'no version registered yet: bootstrap run started');
    });
  }
}
