import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor, type ManagedProcess } from '@meridian/platform';
import { bulkSubscription, createServiceApp, DaprClient, daprPreset, parseEnv } from '@meridian/service-kit';
import { serveInProcess } from '@meridian/testkit';
import { clientSidecar, redisPubsubComponent } from './helpers/client-sidecar.ts';

// A bulk delivery heavier than any body limit, through a real daprd on Redis Streams, to an app built
// with service-kit: Dapr bounds a bulk delivery by its count of events, not by bytes, so 40 events
// of 3.5 MiB come as one delivery of 140 MiB. The app reads it as it arrives and handles it in parts
// (packages/service-kit/src/bulk-delivery.ts); a limit on the body would refuse it, and Dapr would
// send it again for ever. The subscription's count is 40 and its wait far longer than the test, so
// daprd sends the delivery when the 40th event reaches it, however slowly the events come off the
// stream (with a short wait, a slow machine split them over two deliveries).
const run = `large-${Date.now().toString(36)}`;
const dataDir = join(tmpdir(), `meridian-${run}`);
const topic = `meridian-large-delivery-${run}`;
const appToken = randomBytes(24).toString('base64url');
const MIB = 2 ** 20;

const EVENTS = 40;

/** The handler's calls (the events' n of each), and the size of each delivery the app was sent. */
const calls: number[][] = [];
const deliveryBytes: number[] = [];

const env = parseEnv(daprPreset, {
  APP_ID: run,
  DAPR_HTTP_PORT: '1',
  LOG_LEVEL: 'silent',
  DAPR_API_TOKEN: randomBytes(24).toString('base64url'),
  APP_API_TOKEN: appToken,
});
const app = createServiceApp({
  name: run,
  env,
  dapr: DaprClient.fromEnv(env),
  before: [
    (req, _res, next) => {
      if (req.path === '/events/large') deliveryBytes.push(Number(req.headers['content-length'] ?? Number.NaN));
      next();
    },
  ],
  subscriptions: [
    bulkSubscription({
      pubsub: 'pubsub',
      topic,
      route: '/events/large',
      schema: z.object({ n: z.number().int(), pad: z.string().optional() }),
      bulk: { maxMessagesCount: EVENTS, maxAwaitDurationMs: 600_000 },
      handleBatch: async (items) => {
        calls.push(items.map((i) => i.data.n));
        return new Map(items.map((i) => [i.entryId, 'SUCCESS' as const]));
      },
    }),
  ],
  routes() {},
});

const redis = (...args: string[]) => promisify(execFile)('redis-cli', ['-h', '127.0.0.1', '-p', '6379', ...args]);
let served: Awaited<ReturnType<typeof serveInProcess>> | undefined;
let sidecar: { url: string; process: ManagedProcess } | undefined;

beforeAll(async () => {
  // Enough workers that every event is handed to daprd's bulk buffer at once, and no redelivery
  // of events pending longer than a minute (the delivery is one; on a slow machine it takes long).
  const resources = redisPubsubComponent(join(dataDir, 'components'), { concurrency: '64', processingTimeout: '0' });
  served = await serveInProcess(app);
  sidecar = await clientSidecar(run, dataDir, { resources: [resources], app: { port: served.port, token: appToken } });
});
afterAll(async () => {
  await sidecar?.process.stop();
  await served?.close();
  await redis('DEL', topic);
  rmSync(dataDir, { recursive: true, force: true });
});

const publish = async (data: unknown) => {
  const res = await fetch(`${sidecar!.url}/v1.0/publish/pubsub/${topic}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  expect(res.status, await res.text()).toBe(204);
};

/** Events the stream's consumers have taken and not yet acknowledged. */
async function pending(): Promise<number> {
  const { stdout } = await redis('XPENDING', topic, run);
  return Number(stdout.split('\n')[0]);
}

describe('a bulk delivery heavier than any body limit, through daprd', () => {
  it('when 40 events of 3.5 MiB come in one delivery (140 MiB), then every event is handled once, a part of at most 10 at a time', async () => {
    const pad = 'x'.repeat(3.5 * MIB);
    await Promise.all(Array.from({ length: EVENTS }, (_, i) => publish({ n: i + 1, pad })));
    await waitFor({
      what: `all ${EVENTS} events handled`,
      timeoutMs: 180_000,
      check: async () => new Set(calls.flat()).size === EVENTS,
    });
    expect(calls.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    expect(deliveryBytes).toHaveLength(1);
    expect(deliveryBytes[0]).toBeGreaterThan(128 * MIB);
    expect(calls.length).toBeGreaterThan(1);
    for (const part of calls) expect(part.length).toBeLessThanOrEqual(10);
    await waitFor({ what: 'every event acknowledged', timeoutMs: 30_000, check: async () => (await pending()) === 0 });
  }, 240_000);
});
