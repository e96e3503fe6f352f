import type { Express } from 'express';
import {
  DaprClient,
  bootEnv,
  createMetricsRegistry,
  runService,
  type DaprEnv,
  type MetricsRegistry,
  type RunningService,
  type ServiceDefinition,
} from '@meridian/service-kit';
import { backlogMetrics } from './adapters/backlog-metrics.ts';
import { FeaturesProgress } from './adapters/features-progress.ts';
import { SidecarPublisher } from './adapters/sidecar-publisher.ts';
import { StateSeenKeys } from './adapters/state-seen-keys.ts';
import { StateStats } from './adapters/state-stats.ts';
import { Backpressure } from './domain/backpressure.ts';
import { configureStreams } from './domain/streams.ts';
import { ingestionEnv } from './env.ts';
import { ingestRoutes, type IngestRouteDeps } from './routes/ingest-routes.ts';

export interface IngestionDeps extends IngestRouteDeps {
  env: DaprEnv;
  dapr: DaprClient;
  backpressure: Backpressure;
  /** Where GET /metrics reads from (a new registry when absent); the backlog gauges go here. */
  metrics?: MetricsRegistry;
}

/** A backlog measurement that takes longer than this counts as failed: the next one is due soon anyway. */
const BACKLOG_SOURCE_TIMEOUT_MS = 2_000;

export function createApp(deps: IngestionDeps): ServiceDefinition {
  const metrics = deps.metrics ?? createMetricsRegistry();
  backlogMetrics({ registry: metrics, snapshot: () => deps.backpressure.snapshot() });
  return {
    name: 'ingestion',
    env: deps.env,
    dapr: deps.dapr,
    metrics,
    // 10,000 readings are about 1 MB of JSON.
    bodyLimit: '8mb',
    routes(app: Express) {
      ingestRoutes(app, deps);
    },
  };
}

export async function start(env = bootEnv(ingestionEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  // The calls a batch waits on have a deadline: a publish to a broker that is down can stall, and the caller must get a 503.
  const bounded = new DaprClient({
    httpPort: env.DAPR_HTTP_PORT,
    apiToken: env.DAPR_API_TOKEN,
    timeoutMs: env.PUBLISH_TIMEOUT_MS,
  });
  const measuring = new DaprClient({
    httpPort: env.DAPR_HTTP_PORT,
    apiToken: env.DAPR_API_TOKEN,
    timeoutMs: BACKLOG_SOURCE_TIMEOUT_MS,
  });
  const backpressure = new Backpressure({
    // The features app is the consumer of sensor readings (its READINGS_TOPIC); other streams have none to wait for.
    sources: {
      'sensor-readings': new FeaturesProgress({
        dapr: measuring,
        appId: env.FEATURES_APP_ID,
        timeoutMs: BACKLOG_SOURCE_TIMEOUT_MS,
      }),
    },
    stats: new StateStats({ dapr: measuring, store: env.STATE_STORE }),
    maxRecords: env.MAX_BACKLOG_RECORDS,
    failOpenMs: env.BACKLOG_FAIL_OPEN_MS,
    idleResetMs: env.BACKLOG_IDLE_RESET_MS,
    waitMs: env.BACKLOG_WAIT_MS,
    now: Date.now,
  });
  const deps: IngestionDeps = {
    env,
    dapr,
    streams: configureStreams({ ...(env.INGEST_PII_FIELDS ? { pii: env.INGEST_PII_FIELDS } : {}) }),
    publisher: new SidecarPublisher({
      dapr: bounded,
      pubsub: env.PUBSUB_NAME,
      mode: env.PUBLISH_MODE,
      concurrency: env.SIDECAR_CONCURRENCY,
    }),
    seenKeys: new StateSeenKeys({
      dapr: bounded,
      store: env.STATE_STORE,
      ttlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
      concurrency: env.SIDECAR_CONCURRENCY,
    }),
    stats: new StateStats({ dapr, store: env.STATE_STORE }),
    clock: () => new Date(),
    maxRecords: env.MAX_BATCH_RECORDS,
    backpressure,
  };
  const running = await runService(({ metrics }) => createApp({ ...deps, metrics }), {
    name: 'ingestion',
    env,
    onStop: async () => backpressure.stop(),
  });
  backpressure.start({ everyMs: env.BACKLOG_REFRESH_MS });
  return running;
}
