import type { Express } from 'express';
import { ModelLifecycleEvent, RegistryTopics } from '@meridian/contracts';
import { DaprClient, bootEnv, rootLogger, runService, subscription, type DaprEnv, type RunningService, type ServiceDefinition } from '@meridian/service-kit';
import { OnlineFeatureClient } from './adapters/online-features.ts';
import { PredictionLog } from './adapters/prediction-log.ts';
import { RegistrySync } from './adapters/registry-sync.ts';
import { ResponseCache } from './adapters/response-cache.ts';
import { InferenceMetrics } from './domain/metrics.ts';
import { ModelLimits } from './domain/model-limits.ts';
import { ModelStore } from './domain/model-store.ts';
import { ShadowStats } from './domain/shadow-stats.ts';
import { inferenceEnv } from './env.ts';
import { adminRoutes } from './routes/admin.ts';
import { explainRoutes } from './routes/explain.ts';
import { oipRoutes } from './routes/oip.ts';

export interface InferenceDeps {
  env: DaprEnv & { MAX_BODY: string };
  dapr: DaprClient;
  store: ModelStore;
  cache: ResponseCache;
  log: PredictionLog;
  metrics: InferenceMetrics;
  shadow: ShadowStats;
  /** Concurrency limit per model (load shedding on infer and explain). */
  limits: ModelLimits;
  registry?: RegistrySync;
  pubsub: string;
}

export function createApp(deps: InferenceDeps): ServiceDefinition {
  return {
    name: 'inference',
    env: deps.env,
    dapr: deps.dapr,
    bodyLimit: deps.env.MAX_BODY,
    ready: async () => deps.store.list().length > 0,
    status: () => ({ shedding: deps.limits.snapshot() }),
    subscriptions: deps.registry
      ? [subscription({
        pubsub: deps.pubsub, topic: RegistryTopics.modelLifecycle, route: '/events/model-lifecycle', schema: ModelLifecycleEvent,
        handle: async (event) => {
          await deps.registry!.syncModel(event.model);
          return 'SUCCESS';
        },
      })]
      : [],
    routes(app: Express) {
      oipRoutes(app, { ...deps, serverVersion: '0.2.0' });
      explainRoutes(app, deps);
      adminRoutes(app, deps);
    },
  };
}

/** The registry may start after us: keep trying until the first sync succeeds. */
async function followRegistry(registry: RegistrySync): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await registry.syncAll();
      return;
    } catch (err) {
      if (attempt % 20 === 1) rootLogger().warn({ err: (err as Error).message }, 'registry not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function start(env = bootEnv(inferenceEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  let metrics: InferenceMetrics | undefined;
  const store = new ModelStore({
    repository: env.MODEL_REPOSITORY,
    threads: env.ORT_INTRA_OP_THREADS,
    onBatch: (model, version, rows) => metrics?.batchSize.observe({ model, version }, rows),
  });
  metrics = new InferenceMetrics(() => store.list().flatMap((e) => [...e.versions.values()].map((v) => ({ model: e.name, version: v.version, rows: v.batcher.depth }))));
  const deps: InferenceDeps = {
    env, dapr, store, metrics,
    cache: new ResponseCache({ dapr, store: env.STATE_STORE }),
    log: new PredictionLog({ dapr, pubsub: env.PUBSUB_NAME }),
    shadow: new ShadowStats(),
    limits: new ModelLimits({ env, log: (s) => rootLogger().info({ model: s.name, limit: s.limit, inflight: s.inflight, queued: s.queued, shed: s.shed }, 'concurrency limit') }),
    pubsub: env.PUBSUB_NAME,
    ...(env.FEATURES_APP_ID ? { features: new OnlineFeatureClient({ dapr, appId: env.FEATURES_APP_ID }) } : {}),
    ...(env.REGISTRY_APP_ID ? { registry: new RegistrySync({ dapr, registryAppId: env.REGISTRY_APP_ID, store, repository: env.MODEL_REPOSITORY, canaryPercent: env.CANARY_PERCENT }) } : {}),
  };
  await store.loadAll();
  if (deps.registry) void followRegistry(deps.registry);
  return runService(() => createApp(deps), { name: 'inference', env, onStop: () => store.close() });
}
