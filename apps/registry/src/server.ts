import type { Express } from 'express';
import {
  ArtifactsBinding,
  DaprClient,
  bootEnv,
  runService,
  type DaprEnv,
  type RunningService,
  type ServiceDefinition,
} from '@meridian/service-kit';
import { LifecyclePublisher } from './adapters/lifecycle-publisher.ts';
import { RegistryStore } from './adapters/registry-store.ts';
import type { RegistryDeps } from './domain/deps.ts';
import { registryEnv } from './env.ts';
import { registryRoutes } from './routes/registry-routes.ts';

export interface RegistryAppDeps extends RegistryDeps {
  env: DaprEnv;
  dapr: DaprClient;
}

/** The JSON body carries the artifact as base64 (4/3 of its size) beside the model card. */
export function bodyLimitFor(maxArtifactBytes: number): string {
  return `${Math.ceil((maxArtifactBytes * 4) / 3) + 8 * 1024 * 1024}b`;
}

export function createApp(deps: RegistryAppDeps): ServiceDefinition {
  return {
    name: 'registry',
    env: deps.env,
    dapr: deps.dapr,
    bodyLimit: bodyLimitFor(deps.maxArtifactBytes),
    routes(app: Express) {
      registryRoutes(app, deps);
    },
  };
}

export async function start(env = bootEnv(registryEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  const deps: RegistryAppDeps = {
    env,
    dapr,
    store: new RegistryStore({ state: dapr, store: env.STATE_STORE }),
    artifacts: new ArtifactsBinding({ dapr, binding: env.ARTIFACT_BINDING }),
    events: new LifecyclePublisher({ dapr, pubsub: env.PUBSUB_NAME }),
    clock: () => new Date(),
    maxArtifactBytes: env.MAX_ARTIFACT_BYTES,
  };
  return runService(() => createApp(deps), { name: 'registry', env });
}
