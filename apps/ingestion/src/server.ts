import type { Express } from 'express';
import {
  DaprClient,
  bootEnv,
  runService,
  type DaprEnv,
  type RunningService,
  type ServiceDefinition,
} from '@meridian/service-kit';
import { SidecarPublisher } from './adapters/sidecar-publisher.ts';
import { StateSeenKeys } from './adapters/state-seen-keys.ts';
import { StateStats } from './adapters/state-stats.ts';
import { configureStreams } from './domain/streams.ts';
import { ingestionEnv } from './env.ts';
import { ingestRoutes, type IngestRouteDeps } from './routes/ingest-routes.ts';

export interface IngestionDeps extends IngestRouteDeps {
  env: DaprEnv;
  dapr: DaprClient;
}

export function createApp(deps: IngestionDeps): ServiceDefinition {
  return {
    name: 'ingestion',
    env: deps.env,
    dapr: deps.dapr,
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
  };
  return runService(() => createApp(deps), { name: 'ingestion', env });
}
