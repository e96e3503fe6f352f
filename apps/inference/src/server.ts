import type { Express } from 'express';
import { DaprClient, bootEnv, runService, type DaprEnv, type RunningService, type ServiceDefinition } from '@meridian/service-kit';
import { ModelStore } from './domain/model-store.ts';
import { inferenceEnv } from './env.ts';
import { oipRoutes } from './routes/oip.ts';

export interface InferenceDeps {
  env: DaprEnv & { PUBSUB_NAME: string; MAX_BODY: string };
  dapr: DaprClient;
  store: ModelStore;
}

export function createApp(deps: InferenceDeps): ServiceDefinition {
  return {
    name: 'inference',
    env: deps.env,
    dapr: deps.dapr,
    bodyLimit: deps.env.MAX_BODY,
    ready: async () => deps.store.list().length > 0,
    routes(app: Express) {
      oipRoutes(app, { store: deps.store, dapr: deps.dapr, pubsub: deps.env.PUBSUB_NAME, serverVersion: '0.1.0' });
    },
  };
}

export async function start(env = bootEnv(inferenceEnv)): Promise<RunningService> {
  const dapr = new DaprClient({ httpPort: env.DAPR_HTTP_PORT });
  const store = new ModelStore({ repository: env.MODEL_REPOSITORY, intraOpThreads: env.ORT_INTRA_OP_THREADS });
  await store.loadAll();
  return runService(() => createApp({ env, dapr, store }), { name: 'inference', env });
}
