import type { Express } from 'express';
import { PredictionEvent, Topics } from '@meridian/contracts';
import { DaprClient, bootEnv, runService, subscription, type DaprEnv, type RunningService, type ServiceDefinition } from '@meridian/service-kit';
import { PredictionCounter } from './domain/prediction-counter.ts';
import { monitorEnv } from './env.ts';

export interface MonitorDeps {
  env: DaprEnv & { PUBSUB_NAME: string };
  dapr: DaprClient;
  counter: PredictionCounter;
}

export function createApp(deps: MonitorDeps): ServiceDefinition {
  return {
    name: 'monitor',
    env: deps.env,
    dapr: deps.dapr,
    subscriptions: [
      subscription({
        pubsub: deps.env.PUBSUB_NAME,
        topic: Topics.predictions,
        route: '/events/predictions',
        schema: PredictionEvent,
        handle: (event) => deps.counter.record(event),
      }),
    ],
    routes(app: Express) {
      app.get('/v1/monitor/predictions', async (_req, res) => void res.json(await deps.counter.counts()));
    },
  };
}

export async function start(env = bootEnv(monitorEnv)): Promise<RunningService> {
  const dapr = new DaprClient({ httpPort: env.DAPR_HTTP_PORT });
  const counter = new PredictionCounter({ dapr, store: env.STATE_STORE });
  return runService(() => createApp({ env, dapr, counter }), { name: 'monitor', env });
}
