import { execFileSync } from 'node:child_process';
import type { Express } from 'express';
import { DaprWorkflowClient, LogLevel, WorkflowRuntime } from '@dapr/dapr';
import {
  DaprClient,
  FeaturesClient,
  InferenceClient,
  RegistryClient,
  bootEnv,
  countWorkflowRuns,
  createMetricsRegistry,
  retryUntilReady,
  rootLogger,
  runService,
  timeWorkflowSteps,
  type DaprEnv,
  type RunningService,
  type ServiceDefinition,
} from '@meridian/service-kit';
import { DaprWorkflows } from './adapters/dapr-workflows.ts';
import { readOfflineLog } from './adapters/offline-log.ts';
import { StateRunRecords } from './adapters/state-run-records.ts';
import { bootstrapModels, scheduleRetraining } from './domain/bootstrap.ts';
import { Runs } from './domain/runs.ts';
import { trainingEnv } from './env.ts';
import { runSubscriptions } from './routes/run-events.ts';
import { runRoutes } from './routes/runs.ts';
import { createActivities } from './workflow/activities.ts';
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
    subscriptions: runSubscriptions({ pubsub: deps.env.PUBSUB_NAME, runs: deps.runs }),
    routes(app: Express) {
      runRoutes(app, { runs: deps.runs });
    },
  };
}

function codeVersion(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

export async function start(env: TrainingEnv = bootEnv(trainingEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  const registry = new RegistryClient({ dapr, appId: env.REGISTRY_APP_ID });
  const records = new StateRunRecords({ dapr, store: env.STATE_STORE });
  const grpc = {
    daprHost: '127.0.0.1',
    daprPort: `${env.DAPR_GRPC_PORT}`,
    daprApiToken: env.DAPR_API_TOKEN,
    logger: { level: LogLevel.Warn },
  };
  const features = new FeaturesClient({ dapr, appId: env.FEATURES_APP_ID });
  const activities = createActivities({
    registry,
    inference: new InferenceClient({ dapr, appId: env.INFERENCE_APP_ID }),
    records,
    workDir: env.TRAINING_WORK_DIR,
    gateMargin: env.GATE_MARGIN,
    codeVersion: codeVersion(),
    featuresAppId: env.FEATURES_APP_ID,
    offlineFeatures: () => readOfflineLog({ features, days: env.OFFLINE_FEATURE_DAYS }),
  });
  const workflow = retrainWorkflow({ canaryPercent: env.CANARY_PERCENT, canarySeconds: env.CANARY_SECONDS });
  // Runs and steps are counted where they are registered: the workflow calls its activities by these names.
  const metrics = createMetricsRegistry();
  const counted = countWorkflowRuns({ workflow: 'retrain', metrics, outcomeOf: (out) => out.status }, workflow);
  const runtime = new WorkflowRuntime(grpc).registerWorkflowWithName('retrain', counted);
  for (const [name, fn] of Object.entries(timeWorkflowSteps({ workflow: 'retrain', metrics }, activities)))
    runtime.registerActivityWithName(name, fn);
  const client = new DaprWorkflowClient(grpc);
  const runs = new Runs({ workflows: new DaprWorkflows({ client, workflowName: 'retrain' }), records });
  let workerReady = false;

  const running = await runService(() => createApp({ env, dapr, runs, ready: () => workerReady }), {
    name: 'training',
    env,
    metrics,
    // Each stop waits a fixed second after closing its channel (the SDK's own pause): side by side, not one after the other.
    onStop: async () => {
      await Promise.all([runtime.stop(), client.stop()].map((stopped) => stopped.catch(() => undefined)));
    },
  });
  void (async () => {
    // The worker connects to the sidecar, which starts beside us.
    await retryUntilReady({ what: 'workflow worker', attempt: () => runtime.start(), intervalMs: 500 });
    workerReady = true;
    rootLogger().info('workflow worker connected to the sidecar');
    await scheduleRetraining({ jobs: dapr, schedule: env.RETRAIN_SCHEDULE });
    await bootstrapModels({ registry, runs, models: env.BOOTSTRAP_MODELS });
  })();
  return running;
}
