import { execFileSync } from 'node:child_process';
import type { Express } from 'express';
import { DaprWorkflowClient, LogLevel, WorkflowRuntime } from '@dapr/dapr';
import { DriftDetectedEvent, ModelDegradedEvent, Topics } from '@meridian/contracts';
import { AppError, DaprClient, FeaturesClient, InferenceClient, RegistryClient, bootEnv, retryUntilReady, rootLogger, runService, subscription, type DaprEnv, type RunningService, type ServiceDefinition } from '@meridian/service-kit';
import { Runs } from './domain/runs.ts';
import { trainingEnv } from './env.ts';
import { runRoutes } from './routes/runs.ts';
import { readOfflineLog } from './adapters/offline-log.ts';
import { createActivities, registeredVersions } from './workflow/activities.ts';
import { retrainWorkflow } from './workflow/retrain.ts';

type TrainingEnv = ReturnType<typeof bootEnv<typeof trainingEnv>>;

export interface TrainingDeps {
  env: DaprEnv & { PUBSUB_NAME: string };
  dapr: DaprClient;
  runs: Runs;
  ready: () => boolean;
}

export function createApp(deps: TrainingDeps): ServiceDefinition {
  return {
    name: 'training',
    env: deps.env,
    dapr: deps.dapr,
    ready: async () => deps.ready(),
    subscriptions: [
      subscription({
        pubsub: deps.env.PUBSUB_NAME,
        topic: Topics.driftDetected,
        route: '/events/drift-detected',
        schema: DriftDetectedEvent,
        // One run per drift event: redelivery finds the run already there.
        handle: async (event) => {
          await deps.runs.startOnce({ model: event.model, trigger: 'drift' }, `drift-${event.id}`);
          return 'SUCCESS';
        },
      }),
      subscription({
        pubsub: deps.env.PUBSUB_NAME,
        topic: Topics.modelDegraded,
        route: '/events/model-degraded',
        schema: ModelDegradedEvent,
        // One run per quality alert, named after it (the alert's run_id); a model with no trainer can never succeed.
        handle: async (event) => {
          try {
            await deps.runs.startOnce({ model: event.model, trigger: 'degraded' }, `degraded-${event.id}`);
            return 'SUCCESS';
          } catch (err) {
            if (!(err instanceof AppError && (err.code === 'NOT_FOUND' || err.code === 'BAD_REQUEST'))) throw err;
            rootLogger().warn({ alert: event.id, model: event.model, err: err.message }, 'degraded alert names a model that cannot be retrained; dropped');
            return 'DROP';
          }
        },
      }),
    ],
    routes(app: Express) {
      runRoutes(app, { runs: deps.runs });
    },
  };
}

function codeVersion(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Keeps trying until the sidecar answers (it starts beside us). */
const untilDone = (what: string, attempt: () => Promise<unknown>) => retryUntilReady({ what, attempt, intervalMs: 500 });

export async function start(env: TrainingEnv = bootEnv(trainingEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  const registry = new RegistryClient({ dapr, appId: env.REGISTRY_APP_ID });
  const grpc = { daprHost: '127.0.0.1', daprPort: `${env.DAPR_GRPC_PORT}`, daprApiToken: env.DAPR_API_TOKEN, logger: { level: LogLevel.Warn } };
  const features = new FeaturesClient({ dapr, appId: env.FEATURES_APP_ID });
  const activities = createActivities({
    dapr, registry, inference: new InferenceClient({ dapr, appId: env.INFERENCE_APP_ID }),
    stateStore: env.STATE_STORE, workDir: env.TRAINING_WORK_DIR, gateMargin: env.GATE_MARGIN, codeVersion: codeVersion(),
    featuresAppId: env.FEATURES_APP_ID,
    offlineFeatures: () => readOfflineLog({ features, days: env.OFFLINE_FEATURE_DAYS }),
  });
  const workflow = retrainWorkflow(activities, { canaryPercent: env.CANARY_PERCENT, canarySeconds: env.CANARY_SECONDS });
  const runtime = new WorkflowRuntime(grpc).registerWorkflowWithName('retrain', workflow);
  for (const [name, fn] of Object.entries(activities)) runtime.registerActivityWithName(name, fn);
  const client = new DaprWorkflowClient(grpc);
  const runs = new Runs({ client, workflowName: 'retrain', dapr, stateStore: env.STATE_STORE });
  let workerReady = false;

  const running = await runService(() => createApp({ env, dapr, runs, ready: () => workerReady }), {
    name: 'training', env,
    onStop: async () => {
      await runtime.stop().catch(() => undefined);
      await client.stop().catch(() => undefined);
    },
  });
  void (async () => {
    await untilDone('workflow worker', () => runtime.start());
    workerReady = true;
    rootLogger().info('workflow worker connected to the sidecar');
    for (const entry of env.RETRAIN_SCHEDULE.split(';').map((s) => s.trim()).filter(Boolean)) {
      const [model, schedule] = entry.split('=') as [string, string];
      await untilDone(`schedule ${model}`, () => dapr.scheduleJob({ name: `retrain-${model}`, schedule, data: { model } }));
      rootLogger().info({ model, schedule }, 'retraining scheduled (Dapr Jobs)');
    }
    for (const model of env.BOOTSTRAP_MODELS.split(',').map((s) => s.trim()).filter(Boolean)) {
      await untilDone(`bootstrap ${model}`, async () => {
        if ((await registeredVersions(registry, model)).length) return;
        if (await runs.startOnce({ model, trigger: 'bootstrap' }, `bootstrap-${model}`)) rootLogger().info({ model }, 'no version registered yet: bootstrap run started');
      });
    }
  })();
  return running;
}
