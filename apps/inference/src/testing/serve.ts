import { createServiceApp, parseEnv, runService, type DaprClient, type RunningService } from '@meridian/service-kit';
import { inProcessEnv, servedApp, type ServedApp } from '@meridian/testkit';
import { InferenceMetrics } from '../domain/metrics.ts';
import { ModelLimits } from '../domain/model-limits.ts';
import type { ModelStore } from '../domain/model-store.ts';
import { PredictionLog } from '../domain/prediction-log.ts';
import { ShadowStats } from '../domain/shadow-stats.ts';
import { inferenceEnv } from '../env.ts';
import { createApp } from '../server.ts';
import { MemoryPublisher, MemoryResponseCache } from './fakes.ts';

/** The env of inference's in-process tests: its tokens, silent logs, the model `repository`, and `vars` on top. */
export const inferenceTestEnv = (o: { repository: string; vars?: Record<string, string> }) =>
  parseEnv(inferenceEnv, { ...inProcessEnv({ app: 'inference' }), MODEL_REPOSITORY: o.repository, ...o.vars });

/**
 * Inference over `store` and in-memory fakes, served in-process with its app token. Without `limits` the
 * env's; without `log`, one that publishes nothing (it samples no request).
 */
interface TestInference {
  env: ReturnType<typeof inferenceTestEnv>;
  store: ModelStore;
  limits?: ModelLimits;
  log?: PredictionLog;
}

const testApp = (o: TestInference) =>
  createApp({
    env: o.env,
    dapr: { healthy: async () => true } as unknown as DaprClient,
    store: o.store,
    limits: o.limits ?? new ModelLimits({ env: o.env }),
    pubsub: 'pubsub',
    cache: new MemoryResponseCache(),
    log: o.log ?? new PredictionLog({ publisher: new MemoryPublisher(), random: () => 1 }),
    metrics: new InferenceMetrics(() => []),
    shadow: new ShadowStats(),
  });

export function serveInference(o: TestInference): Promise<ServedApp> {
  return servedApp({ app: createServiceApp(testApp(o)), token: o.env.APP_API_TOKEN });
}

/** The same app started as main starts it (runService: its HTTP and gRPC listener) on a free port. */
export function runInference(o: TestInference): Promise<RunningService> {
  return runService(() => testApp(o), {
    name: 'inference',
    env: { ...o.env, APP_PORT: 0, APP_HOST: '127.0.0.1' },
    handleSignals: false,
  });
}
