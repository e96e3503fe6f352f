import { serveInProcess } from '@meridian/testkit';
import type { Histogram } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { actorHost } from '../actor-host.ts';
import type { DaprClient } from '../dapr-client.ts';
import { daprPreset, parseEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { createServiceApp } from '../service.ts';
import { createMetricsRegistry } from './registry.ts';

createLogger({ name: 'test', level: 'silent' });
const APP_TOKEN = 'app-token-of-the-actor-metrics-test';
const env = parseEnv(daprPreset, {
  APP_ID: 'test',
  LOG_LEVEL: 'silent',
  DAPR_API_TOKEN: 'dapr-token-of-the-actor-metrics-test',
  APP_API_TOKEN: APP_TOKEN,
});
const metrics = createMetricsRegistry();
const session = {
  methods: {
    say: async () => 'ok',
    refuse: async () => {
      throw new AppError({ code: 'CONFLICT', message: 'not now' });
    },
  },
  reminder: async () => undefined,
};
// Mounted the way apps mount it: inside routes, finding the app's registry on its own.
const app = createServiceApp({
  name: 'test',
  env,
  dapr: { healthy: async () => true } as unknown as DaprClient,
  metrics,
  routes(a) {
    a.use(actorHost({ types: { session } }));
  },
});
const served = await serveInProcess(app);
afterAll(() => served.close());

const call = (method: 'PUT' | 'DELETE', path: string) =>
  fetch(`${served.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'dapr-api-token': APP_TOKEN },
    body: '{}',
  });

async function active(): Promise<number | undefined> {
  const { values } = await metrics.getSingleMetric('meridian_actors_active')!.get();
  return values.find((v) => v.labels.type === 'session')?.value;
}

async function calls(method: string): Promise<number> {
  const name = 'meridian_actor_method_duration_seconds';
  const { values } = await (metrics.getSingleMetric(name) as Histogram).get();
  const count = values.find(
    (v) => v.metricName === `${name}_count` && v.labels.type === 'session' && v.labels.method === method,
  );
  return count?.value ?? 0;
}

describe('actor metrics', () => {
  it('when actors are called, reminded and deactivated, then the active gauge follows and each call is timed', async () => {
    await call('PUT', '/actors/session/a/method/say');
    await call('PUT', '/actors/session/a/method/say');
    await call('PUT', '/actors/session/b/method/refuse');
    await call('PUT', '/actors/session/c/method/remind/nudge');
    expect(await active()).toBe(3);
    await call('DELETE', '/actors/session/a');
    // A second deactivation of the same actor, or of one never seen, changes nothing.
    await call('DELETE', '/actors/session/a');
    await call('DELETE', '/actors/session/zed');
    expect(await active()).toBe(2);
    expect(await calls('say')).toBe(2);
    expect(await calls('refuse')).toBe(1);
    expect(await calls('remind')).toBe(1);
  });

  it('when an unknown method or type is called, then nothing is activated or timed under its name', async () => {
    const before = await active();
    await call('PUT', '/actors/session/d/method/launch');
    await call('PUT', '/actors/ghost/e/method/say');
    expect(await active()).toBe(before);
    expect(await calls('launch')).toBe(0);
    expect(await metrics.metrics()).not.toContain('ghost');
  });
});
