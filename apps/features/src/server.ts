import type { Express } from 'express';
import { sensorWindowSpec, windowFeatureNames, type SensorWindowSpec } from '@meridian/ml';
import {
  ArtifactsBinding,
  DaprClient,
  InferenceClient,
  KeyedLock,
  bootEnv,
  runService,
  type DaprEnv,
  type RunningService,
  type ServiceDefinition,
} from '@meridian/service-kit';
import { EntityStore } from './adapters/entity-store.ts';
import { OfflineLog } from './adapters/offline-log.ts';
import { Scorer } from './adapters/scorer.ts';
import { ConsumptionMeter } from './domain/consumption-meter.ts';
import type { EntityStates, FeatureLog } from './domain/ports.ts';
import { StreamProcessor } from './domain/stream-processor.ts';
import { featuresEnv } from './env.ts';
import { featureRoutes } from './routes/feature-routes.ts';
import { readingsSubscription } from './routes/readings-subscription.ts';

export interface FeaturesDeps {
  env: DaprEnv & { PUBSUB_NAME: string; READINGS_TOPIC: string; BULK_MAX_MESSAGES: number; BULK_MAX_AWAIT_MS: number };
  dapr: DaprClient;
  store: EntityStates;
  processor: StreamProcessor;
  meter: ConsumptionMeter;
  offlineLog: FeatureLog;
  spec: SensorWindowSpec;
}

export function createApp(deps: FeaturesDeps): ServiceDefinition {
  return {
    name: 'features',
    env: deps.env,
    dapr: deps.dapr,
    subscriptions: [readingsSubscription(deps)],
    routes(app: Express) {
      featureRoutes(app, deps);
    },
  };
}

export async function start(env = bootEnv(featuresEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  const spec = sensorWindowSpec(env.FEATURE_WINDOW, env.FEATURE_STATS);
  const names = windowFeatureNames(spec);
  const store = new EntityStore({ dapr, store: env.STATE_STORE, ttlSeconds: env.FEATURE_TTL_SECONDS });
  const offlineLog = new OfflineLog({
    artifacts: new ArtifactsBinding({ dapr, binding: env.ARTIFACTS_BINDING }),
    names,
  });
  const processor = new StreamProcessor({
    store,
    lock: new KeyedLock(),
    spec,
    historySize: Math.max(env.HISTORY_SIZE, spec.window + 1),
    keysSize: env.KEYS_PER_ENTITY,
    scorer: env.SCORING_MODEL
      ? new Scorer({
          inference: new InferenceClient({ dapr, appId: env.INFERENCE_APP_ID }),
          model: env.SCORING_MODEL,
          names,
        })
      : undefined,
    offlineLog: env.OFFLINE_LOG === 'on' ? offlineLog : undefined,
    clock: () => new Date(),
  });
  const meter = new ConsumptionMeter({ clock: () => new Date() });
  return runService(() => createApp({ env, dapr, store, processor, meter, offlineLog, spec }), {
    name: 'features',
    env,
  });
}
