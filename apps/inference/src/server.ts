import type { Express } from 'express';
import { INFER_BATCH_PATH, ModelLifecycleEvent, Topics } from '@meridian/contracts';
import {
  DaprClient,
  FeaturesClient,
  RegistryClient,
  bootEnv,
  retryUntilReady,
  rootLogger,
  runService,
  subscription,
  type DaprEnv,
  type RunningService,
  type ServiceDefinition,
} from '@meridian/service-kit';
import { OnlineFeatureClient } from './adapters/online-features.ts';
import { RegistrySync } from './adapters/registry-sync.ts';
import { StateResponseCache } from './adapters/response-cache.ts';
import { runtimeFor } from './adapters/runtimes/index.ts';
import { SidecarPublisher, type EventBatchingCounts } from './adapters/sidecar-publisher.ts';
import { InferenceMetrics } from './domain/metrics.ts';
import { ModelLimits } from './domain/model-limits.ts';
import { ModelStore } from './domain/model-store.ts';
import type { PredictDeps } from './domain/predict.ts';
import { PredictionLog } from './domain/prediction-log.ts';
import { ShadowStats } from './domain/shadow-stats.ts';
import { inferenceEnv } from './env.ts';
import { adminRoutes } from './routes/admin.ts';
import { explainRoutes } from './routes/explain.ts';
import { oipGrpcMethods } from './routes/grpc.ts';
import { inferBatchRoutes } from './routes/infer-batch.ts';
import { inferLane, oipRoutes } from './routes/oip.ts';
import { keepBinaryBodiesRaw } from './routes/binary-body.ts';

/** How long a stopping app waits for its waiting prediction events to reach the sidecar (after its connections' grace). */
const FLUSH_ON_STOP_MS = 2_000;

export interface InferenceDeps extends PredictDeps {
  env: DaprEnv & { MAX_BODY: string; BATCH_ITEM_TIMEOUT_MS: number };
  dapr: DaprClient;
  /** Concurrency limit per model (load shedding on infer and explain). */
  limits: ModelLimits;
  /** Follows the registry's lifecycle events; without it only the local repository is served. */
  registry?: Pick<RegistrySync, 'syncModel'>;
  pubsub: string;
  /** Prediction events that went alone and together, per topic (the sidecar publisher's counts), for /readyz. */
  eventBatching?: () => Record<string, EventBatchingCounts>;
}

const SERVER_VERSION = '0.2.0';
const INFER_BATCH_ROUTE = new RegExp(`^/${INFER_BATCH_PATH}$`);

export function createApp(deps: InferenceDeps): ServiceDefinition {
  return {
    name: 'inference',
    env: deps.env,
    dapr: deps.dapr,
    bodyLimit: deps.env.MAX_BODY,
    // The gateway's batches (contracts' infer-batch.ts): up to 1 MiB of requests, each as deep as a body alone
    // may be inside the batch's own three levels.
    bodyLimits: [{ path: INFER_BATCH_ROUTE, limit: '2mb', extraDepth: 3 }],
    // A binary tensor body (Inference-Header-Content-Length) is kept from the JSON parser whatever its content type.
    before: [keepBinaryBodiesRaw],
    // The model metrics' registry is the app's: service-kit serves it at GET /metrics with its own metrics.
    metrics: deps.metrics.registry,
    ready: async () => deps.store.list().length > 0,
    status: () => ({ shedding: deps.limits.snapshot(), event_batching: deps.eventBatching?.() ?? {} }),
    // OIP over gRPC on the app port, for clients that come through daprd's gRPC proxying.
    grpc: oipGrpcMethods({ ...deps, serverVersion: SERVER_VERSION }),
    subscriptions: deps.registry
      ? [
          subscription({
            pubsub: deps.pubsub,
            topic: Topics.modelLifecycle,
            route: '/events/model-lifecycle',
            schema: ModelLifecycleEvent,
            handle: async (event) => {
              await deps.registry!.syncModel(event.model);
              return 'SUCCESS';
            },
          }),
        ]
      : [],
    // Infer, the hot route, skips Express's router (the same steps run first).
    lean: inferLane({ ...deps, serverVersion: SERVER_VERSION }),
    routes(app: Express) {
      oipRoutes(app, { ...deps, serverVersion: SERVER_VERSION });
      inferBatchRoutes(app, deps);
      explainRoutes(app, deps);
      adminRoutes(app, deps);
    },
  };
}

export async function start(env = bootEnv(inferenceEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  let metrics: InferenceMetrics | undefined;
  const store = new ModelStore({
    repository: env.MODEL_REPOSITORY,
    threads: env.ORT_INTRA_OP_THREADS,
    runtimes: runtimeFor,
    onBatch: (model, version, rows) => metrics?.batchSize.observe({ model, version }, rows),
  });
  metrics = new InferenceMetrics(() =>
    store
      .list()
      .flatMap((e) =>
        [...e.versions.values()].map((v) => ({ model: e.name, version: v.version, rows: v.batcher.depth })),
      ),
  );
  const registry = env.REGISTRY_APP_ID
    ? new RegistrySync({
        registry: new RegistryClient({ dapr, appId: env.REGISTRY_APP_ID, timeoutMs: 30_000 }),
        store,
        repository: env.MODEL_REPOSITORY,
        canaryPercent: env.CANARY_PERCENT,
      })
    : undefined;
  const publisher = new SidecarPublisher({
    dapr,
    pubsub: env.PUBSUB_NAME,
    inFlight: env.PUBLISH_IN_FLIGHT,
    lingerMs: env.PUBLISH_LINGER_MS,
  });
  const deps: InferenceDeps = {
    env,
    dapr,
    store,
    metrics,
    cache: new StateResponseCache({ dapr, store: env.STATE_STORE }),
    log: new PredictionLog({ publisher }),
    eventBatching: () => publisher.counts(),
    shadow: new ShadowStats(),
    limits: new ModelLimits({
      env,
      log: (s) =>
        rootLogger().info(
          { model: s.name, limit: s.limit, inflight: s.inflight, queued: s.queued, shed: s.shed },
          'concurrency limit',
        ),
    }),
    pubsub: env.PUBSUB_NAME,
    ...(env.FEATURES_APP_ID
      ? { features: new OnlineFeatureClient({ features: new FeaturesClient({ dapr, appId: env.FEATURES_APP_ID }) }) }
      : {}),
    ...(registry ? { registry } : {}),
  };
  await store.loadAll();
  // The registry may start after us: keep trying until the first sync succeeds; then catch up now
  // and then with the stage changes whose events another replica took.
  let refresh: NodeJS.Timeout | undefined;
  if (registry)
    void retryUntilReady({ what: 'following the registry', attempt: () => registry.syncAll() }).then(() => {
      if (!env.REGISTRY_REFRESH_SECONDS) return;
      refresh = setInterval(
        () =>
          void registry
            .refresh()
            .catch((err: unknown) => rootLogger().warn({ reason: (err as Error).message }, 'registry refresh failed')),
        env.REGISTRY_REFRESH_SECONDS * 1000,
      );
      refresh.unref();
    });
  return runService(() => createApp(deps), {
    name: 'inference',
    env,
    onStop: async () => {
      clearInterval(refresh);
      // The answers are out; their sampled events still waiting would be lost with the process.
      if (!(await publisher.flush(FLUSH_ON_STOP_MS)))
        rootLogger().warn(
          { counts: publisher.counts() },
          `prediction events still waiting for the sidecar after ${FLUSH_ON_STOP_MS} ms; stopping without them`,
        );
      await store.close();
    },
  });
}
