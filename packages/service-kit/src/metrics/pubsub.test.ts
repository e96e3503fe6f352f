import { serveInProcess } from '@meridian/testkit';
import type { Histogram } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DaprClient } from '../dapr-client.ts';
import { daprPreset, parseEnv } from '../env.ts';
import { createLogger } from '../logger.ts';
import { createServiceApp } from '../service.ts';
import { bulkSubscription, subscription, type DeliveryResult } from '../subscriptions.ts';
import { createMetricsRegistry } from './registry.ts';

createLogger({ name: 'test', level: 'silent' });
const APP_TOKEN = 'app-token-of-the-pubsub-metrics-test';
const env = parseEnv(daprPreset, {
  APP_ID: 'test',
  LOG_LEVEL: 'silent',
  DAPR_API_TOKEN: 'dapr-token-of-the-pubsub-metrics-test',
  APP_API_TOKEN: APP_TOKEN,
});
const metrics = createMetricsRegistry();
const Reading = z.object({ n: z.number() });
const app = createServiceApp({
  name: 'test',
  env,
  dapr: { healthy: async () => true } as unknown as DaprClient,
  metrics,
  subscriptions: [
    subscription({
      pubsub: 'pubsub',
      topic: 'single',
      route: '/events/single',
      schema: Reading,
      handle: async ({ n }) => {
        if (n < 0) throw new Error('transient');
        return 'SUCCESS';
      },
    }),
    bulkSubscription({
      pubsub: 'pubsub',
      topic: 'bulk',
      route: '/events/bulk',
      schema: Reading,
      bulk: { maxMessagesCount: 10, maxAwaitDurationMs: 100 },
      // n = 1 succeeds, n = 2 is dropped, any other is left unanswered (so retried).
      handleBatch: async (items) => {
        const answers = new Map<string, DeliveryResult>();
        for (const i of items)
          if (i.data.n === 1 || i.data.n === 2) answers.set(i.entryId, i.data.n === 1 ? 'SUCCESS' : 'DROP');
        return answers;
      },
    }),
  ],
  routes() {},
});
const served = await serveInProcess(app);
afterAll(() => served.close());

const deliver = (path: string, body: unknown) =>
  fetch(`${served.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'dapr-api-token': APP_TOKEN },
    body: JSON.stringify(body),
  }).then((res) => res.json() as Promise<any>);

async function counted(topic: string): Promise<Record<string, number>> {
  const { values } = await metrics.getSingleMetric('meridian_pubsub_deliveries_total')!.get();
  return Object.fromEntries(values.filter((v) => v.labels.topic === topic).map((v) => [v.labels.outcome, v.value]));
}

async function observations(name: string, topic: string): Promise<{ count: number; sum: number }> {
  const { values } = await (metrics.getSingleMetric(name) as Histogram).get();
  const of = (suffix: string) =>
    values.find((v) => v.metricName === `${name}_${suffix}` && v.labels.topic === topic)?.value ?? 0;
  return { count: of('count'), sum: of('sum') };
}

const cloudEvent = (n: unknown, o: { time?: string } = {}) => ({
  specversion: '1.0',
  id: `ce-${n}`,
  data: { n },
  ...o,
});
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('pub/sub delivery metrics', () => {
  it('when a bulk delivery is answered per entry, then each entry is counted by its outcome', async () => {
    const answer = await deliver('/events/bulk', {
      entries: [
        { entryId: 'a', event: cloudEvent(1, { time: minutesAgo(2) }) },
        { entryId: 'b', event: cloudEvent(2, { time: minutesAgo(2) }) },
        { entryId: 'c', event: cloudEvent(3, { time: minutesAgo(2) }) },
        { entryId: 'd', event: cloudEvent('not a number', { time: minutesAgo(2) }) },
        { entryId: 'e', event: cloudEvent(1) },
      ],
    });
    expect(answer.statuses).toHaveLength(5);
    expect(await counted('bulk')).toEqual({ success: 2, drop: 2, retry: 1 });
    // One handler call for the batch; a lag for each entry that has a CloudEvent time, at least its age.
    expect((await observations('meridian_pubsub_handler_duration_seconds', 'bulk')).count).toBe(1);
    const lag = await observations('meridian_pubsub_delivery_lag_seconds', 'bulk');
    expect(lag.count).toBe(4);
    expect(lag.sum).toBeGreaterThanOrEqual(4 * 120);
  });

  it('when single deliveries succeed, fail their schema and throw, then they count as success, drop and retry', async () => {
    expect(await deliver('/events/single', cloudEvent(5, { time: minutesAgo(1) }))).toEqual({ status: 'SUCCESS' });
    expect(await deliver('/events/single', cloudEvent('five'))).toEqual({ status: 'DROP' });
    expect(await deliver('/events/single', cloudEvent(-1))).toEqual({ status: 'RETRY' });
    expect(await counted('single')).toEqual({ success: 1, drop: 1, retry: 1 });
    // The handler ran twice (a message failing its schema never reaches it); only one event had a time.
    expect((await observations('meridian_pubsub_handler_duration_seconds', 'single')).count).toBe(2);
    expect((await observations('meridian_pubsub_delivery_lag_seconds', 'single')).count).toBe(1);
  });
});
