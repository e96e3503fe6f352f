import type { Express } from 'express';
import { InferRequest } from '@meridian/contracts';
import { DaprClient, bootEnv, parseOrThrow, runService, type DaprEnv, type RunningService, type ServiceDefinition } from '@meridian/service-kit';
import { SigningKey } from './domain/signing-key.ts';
import { gatewayEnv } from './env.ts';
import { requireRole } from './routes/auth.ts';
import { forwardTo } from './routes/forward.ts';

export interface GatewayDeps {
  env: DaprEnv & { UPSTREAM_APPS: string[]; MAX_BODY: string; MAX_UPLOAD: string };
  dapr: DaprClient;
  key: SigningKey;
}

async function upstreamReady(dapr: DaprClient, appId: string): Promise<boolean> {
  try {
    return (await dapr.invoke({ appId, method: 'readyz', timeoutMs: 2000 })).ok;
  } catch {
    return false;
  }
}

export function createApp(deps: GatewayDeps): ServiceDefinition {
  const { dapr, key } = deps;
  const predict = requireRole({ key, roles: ['predict', 'admin'] });
  return {
    name: 'gateway',
    env: deps.env,
    dapr,
    bodyLimit: deps.env.MAX_BODY,
    // Batches of records and model artifacts are larger than API calls.
    bodyLimits: [{ path: /^\/v1\/(ingest|registry)\//, limit: deps.env.MAX_UPLOAD }],
    async ready() {
      if (!key.current) return false;
      const states = await Promise.all(deps.env.UPSTREAM_APPS.map((id) => upstreamReady(dapr, id)));
      return states.every(Boolean);
    },
    routes(app: Express) {
      const inference = forwardTo({ dapr, appId: 'inference' });
      const validatedInference = forwardTo({
        dapr,
        appId: 'inference',
        validate: (req) => void parseOrThrow(InferRequest, req.body, 'inference request'),
      });
      const admin = requireRole({ key, roles: ['admin'] });
      app.post(/^\/v2\/models\/[^/]+(\/versions\/[^/]+)?\/(infer|explain)$/, predict, validatedInference);
      app.all(/^\/v2\/repository\/.*$/, admin, inference);
      app.put(/^\/v2\/models\/[^/]+\/policy$/, admin, inference);
      app.all(/^\/v2(\/.*)?$/, predict, inference);
      const monitor = forwardTo({ dapr, appId: 'monitor' });
      app.get(/^\/v1\/monitor\/.+$/, predict, monitor);
      const ingest = requireRole({ key, roles: ['ingest', 'admin'] });
      app.post('/v1/labels', ingest, monitor);
      app.all(/^\/v1\/ingest\/.+$/, ingest, forwardTo({ dapr, appId: 'ingestion' }));
      const registry = forwardTo({ dapr, appId: 'registry' });
      app.get(/^\/v1\/registry\/.+$/, predict, registry);
      app.all(/^\/v1\/registry\/.+$/, admin, registry);
      app.all(/^\/v1\/training\/.+$/, admin, forwardTo({ dapr, appId: 'training' }));
      // Online features are read like predictions; the vectors route is for inference, and the offline log for admins.
      const features = forwardTo({ dapr, appId: 'features' });
      app.get(/^\/v1\/features\/offline$/, admin, features);
      app.get(/^\/v1\/features\/.+$/, predict, features);
    },
  };
}

export async function start(env = bootEnv(gatewayEnv)): Promise<RunningService> {
  const dapr = new DaprClient({ httpPort: env.DAPR_HTTP_PORT });
  const key = new SigningKey({ dapr, store: env.SECRET_STORE });
  const running = await runService(() => createApp({ env, dapr, key }), { name: 'gateway', env });
  void key.load();
  return running;
}
