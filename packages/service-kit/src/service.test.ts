import { request } from 'node:http';
import { serveInProcess } from '@meridian/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DaprClient } from './dapr-client.ts';
import { parseEnv, daprPreset } from './env.ts';
import { AppError, parseOrThrow } from './errors.ts';
import { createLogger } from './logger.ts';
import { createServiceApp } from './service.ts';
import { bulkSubscription, DEFAULT_READING, MAX_EVENT_BYTES, subscription } from './subscriptions.ts';

// The app runs in-process on a random port; its sidecar address points at a
// closed port, which is what a service sees while its sidecar is down.
const APP_TOKEN = 'app-token-of-the-test-sidecar';
const env = parseEnv(daprPreset, {
  APP_ID: 'test',
  DAPR_HTTP_PORT: '1',
  LOG_LEVEL: 'silent',
  DAPR_API_TOKEN: 'dapr-token-of-the-test-app',
  APP_API_TOKEN: APP_TOKEN,
});
createLogger({ name: 'test', level: env.LOG_LEVEL });
const seen: string[] = [];
/** The bulk handler's calls: the entry ids of each. */
const batches: string[][] = [];
/** `count` bulk entries of about 3.5 MiB each (ten make a part), `${prefix}${i}` their ids, `data(i)` beside the padding. */
function largeEntries(prefix: string, count: number, data: (i: number) => object = (n) => ({ n })) {
  const pad = 'x'.repeat(3.5 * 2 ** 20);
  return Array.from({ length: count }, (_, i) => ({
    entryId: `${prefix}${i}`,
    event: { specversion: '1.0', id: `${prefix}-ce${i}`, data: { ...data(i), pad } },
    contentType: 'application/cloudevents+json',
  }));
}
const app = createServiceApp({
  name: 'test',
  env,
  dapr: DaprClient.fromEnv(env),
  bodyLimit: '1kb',
  subscriptions: [
    subscription({
      pubsub: 'pubsub',
      topic: 'things',
      route: '/events/things',
      schema: z.object({ n: z.number() }),
      handle: async ({ n }) => {
        if (n < 0) throw new Error('transient');
        seen.push(`n=${n}`);
        return 'SUCCESS';
      },
    }),
    bulkSubscription({
      pubsub: 'pubsub',
      topic: 'many',
      route: '/events/many',
      schema: z.object({ n: z.number().nonnegative() }),
      bulk: { maxMessagesCount: 500, maxAwaitDurationMs: 10 },
      handleBatch: async (items) => {
        batches.push(items.map((i) => i.entryId));
        return new Map(items.map((i) => [i.entryId, 'SUCCESS' as const]));
      },
    }),
    bulkSubscription({
      pubsub: 'pubsub',
      topic: 'queue',
      route: '/events/queue',
      schema: z.object({ n: z.number(), retry: z.boolean() }),
      bulk: { maxMessagesCount: 500, maxAwaitDurationMs: 10 },
      ordered: true,
      handleBatch: async (items) => {
        batches.push(items.map((i) => i.entryId));
        return new Map(items.map((i) => [i.entryId, i.data.retry ? ('RETRY' as const) : ('SUCCESS' as const)]));
      },
    }),
  ],
  routes(a) {
    a.post(
      '/echo',
      (req, res) => void res.json(parseOrThrow(z.object({ name: z.string().min(1) }), req.body, 'echo body')),
    );
    a.get('/boom', () => {
      throw new Error('bug');
    });
    a.get('/busy', () => {
      throw new AppError({ code: 'TOO_MANY_REQUESTS', message: 'slow down', headers: { 'retry-after': '2' } });
    });
  },
});
const served = await serveInProcess(app);
const base = served.base;
afterAll(() => served.close());

type Json = Record<string, any>; // test-only: bodies are checked field by field
const json = async (res: Response) => (await res.json()) as Json;
const sidecar = { 'dapr-api-token': APP_TOKEN };
const get = (path: string, headers: Record<string, string> = sidecar) => fetch(`${base}${path}`, { headers });
const post = (path: string, body: string, type = 'application/json') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type, ...sidecar }, body });
/**
 * A large delivery on a connection of its own (node:http, no pooled socket), as a sidecar sends it: with the
 * whole suite running, fetch's pool once handed one of these a socket the server then reset.
 */
const postAlone = (path: string, body: string, type: string) =>
  new Promise<Response>((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': type, 'content-length': Buffer.byteLength(body), ...sidecar },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve(
            new Response(Buffer.concat(chunks), {
              status: res.statusCode ?? 0,
              headers: { 'content-type': String(res.headers['content-type'] ?? '') },
            }),
          ),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });

describe('a service built with createServiceApp', () => {
  it('when the sidecar is down, then /healthz is 200 but /readyz is 503', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, sidecar: false });
  });

  it('when a body fails its schema, then 400 problem+json names the field', async () => {
    const res = await post('/echo', JSON.stringify({ name: '' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = await json(res);
    expect(problem).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(problem.errors[0].path).toBe('name');
  });

  it('when the body is not JSON or too large, then 400 or 413 problem+json', async () => {
    expect((await post('/echo', '{"name":')).status).toBe(400);
    const big = await post('/echo', JSON.stringify({ name: 'x'.repeat(2000) }));
    expect(big.status).toBe(413);
    expect((await json(big)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('when a handler throws a bug, then 500 problem+json without internals; an AppError keeps its status and headers', async () => {
    const boom = await get('/boom');
    expect(boom.status).toBe(500);
    expect(await boom.text()).not.toContain('bug');
    const busy = await get('/busy');
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('2');
  });

  it('when a route does not exist, then 404 problem+json', async () => {
    const res = await get('/nope');
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe('NOT_FOUND');
  });

  it('when Dapr asks for subscriptions, then the table is listed', async () => {
    expect(await (await get('/dapr/subscribe')).json()).toEqual([
      { pubsubname: 'pubsub', topic: 'things', route: '/events/things' },
      {
        pubsubname: 'pubsub',
        topic: 'many',
        route: '/events/many',
        bulkSubscribe: { enabled: true, maxMessagesCount: 500, maxAwaitDurationMs: 10 },
      },
      {
        pubsubname: 'pubsub',
        topic: 'queue',
        route: '/events/queue',
        bulkSubscribe: { enabled: true, maxMessagesCount: 500, maxAwaitDurationMs: 10 },
      },
    ]);
  });

  it("when a delivery is larger than the app's body limit, then it is still taken: deliveries may weigh what their events do", async () => {
    const delivery = JSON.stringify({ id: '3', data: { n: 3, pad: 'x'.repeat(4000) } });
    const res = await post('/events/things', delivery, 'application/cloudevents+json');
    expect(res.status).toBe(200);
    expect((await json(res)).status).toBe('SUCCESS');
    expect(seen).toContain('n=3');
    // The larger limit is only for the sidecar: without the app token the call is refused before its body is read.
    const unsigned = await fetch(`${base}/events/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ id: '4', data: { n: 4, pad: 'x'.repeat(3 * 2 ** 20) } }),
    });
    expect(unsigned.status).toBe(401);
    expect(seen).not.toContain('n=4');
    // One event is at most what a publisher's sidecar takes.
    const over = JSON.stringify({ id: '5', data: { n: 5, pad: 'x'.repeat(MAX_EVENT_BYTES + 2 ** 20) } });
    expect((await post('/events/things', over, 'application/cloudevents+json')).status).toBe(413);
    expect(seen).not.toContain('n=5');
  });

  it('when a bulk delivery weighs more than any body limit (40 events of 3.5 MiB), then every entry is handled, a part of about 32 MiB at a time', async () => {
    batches.length = 0;
    const entries = largeEntries('e', 40);
    const delivery = JSON.stringify({ id: 'd', topic: 'many', pubsubname: 'pubsub', entries });
    expect(delivery.length).toBeGreaterThan(128 * 2 ** 20);
    const res = await postAlone('/events/many', delivery, 'application/cloudevents-batch+json');
    expect(res.status).toBe(200);
    const { statuses } = await json(res);
    expect(statuses).toEqual(entries.map((e) => ({ entryId: e.entryId, status: 'SUCCESS' })));
    expect(batches.flat()).toEqual(entries.map((e) => e.entryId));
    // Ten entries of 3.5 MiB reach the part size: the delivery was held ten entries at a time, never whole.
    expect(DEFAULT_READING.partBytes).toBe(32 * 2 ** 20);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 10, 10]);
  });

  it('when an ordered subscription answers RETRY in a part of a large delivery, then the later parts are not handled and answer RETRY', async () => {
    batches.length = 0;
    const entries = largeEntries('o', 40, (n) => ({ n, retry: n === 12 }));
    const res = await postAlone('/events/queue', JSON.stringify({ entries }), 'application/cloudevents-batch+json');
    expect(res.status).toBe(200);
    const { statuses } = await json(res);
    expect(statuses).toEqual(
      entries.map((e, i) => ({ entryId: e.entryId, status: i < 10 || (i < 20 && i !== 12) ? 'SUCCESS' : 'RETRY' })),
    );
    // Parts of ten: the second answered a RETRY, so the third and fourth never reached the handler.
    expect(batches.map((b) => b.length)).toEqual([10, 10]);
  });

  it('when a bulk delivery breaks off after a handled part (an entry that is not JSON), then the handled entries are answered and the rest left unanswered for Dapr to retry', async () => {
    batches.length = 0;
    const entries = largeEntries('p', 10);
    const good = JSON.stringify({ entries }).slice(0, -2);
    const delivery = `${good},{"entryId":"broken","event":tru},{"entryId":"after","event":{}}]}`;
    const res = await postAlone('/events/many', delivery, 'application/cloudevents-batch+json');
    expect(res.status).toBe(200);
    expect((await json(res)).statuses).toEqual(entries.map((e) => ({ entryId: e.entryId, status: 'SUCCESS' })));
    expect(batches).toEqual([entries.map((e) => e.entryId)]);
  });

  it('when a bulk delivery has entries failing their schema, or is not JSON, then those entries are DROP, or 400 names what is wrong', async () => {
    const entries = [
      { entryId: 'ok', event: { specversion: '1.0', id: 'a', data: { n: 1 } } },
      { entryId: 'bad', event: { specversion: '1.0', id: 'b', data: { n: -1 } } },
    ];
    const res = await post('/events/many', JSON.stringify({ entries }), 'application/cloudevents-batch+json');
    const byId = (a: Json, b: Json) => String(a.entryId).localeCompare(String(b.entryId));
    expect([...(await json(res)).statuses].sort(byId)).toEqual([
      { entryId: 'bad', status: 'DROP' },
      { entryId: 'ok', status: 'SUCCESS' },
    ]);
    const broken = await post('/events/many', '{"entries":[{"entryId":"x"', 'application/cloudevents-batch+json');
    expect(broken.status).toBe(400);
    expect(broken.headers.get('content-type')).toContain('application/problem+json');
    expect((await json(broken)).detail).toMatch(/a bulk delivery is not valid JSON/);
  });

  it('when a message is delivered, then it is SUCCESS, DROP when it fails its schema, RETRY when handling throws', async () => {
    const deliver = async (data: unknown) =>
      (await json(await post('/events/things', JSON.stringify({ id: '1', data }), 'application/cloudevents+json')))
        .status;
    expect(await deliver({ n: 1 })).toBe('SUCCESS');
    expect(await deliver({ n: 'one' })).toBe('DROP');
    expect(await deliver({ n: -1 })).toBe('RETRY');
    expect(seen).toContain('n=1');
    expect(seen).not.toContain('n=-1');
  });

  it('when a call lacks the app token or carries another, then 401 and no route runs; probes need none', async () => {
    for (const headers of [{}, { 'dapr-api-token': 'not-the-token' }, { 'dapr-api-token': `${APP_TOKEN}x` }] as Record<
      string,
      string
    >[]) {
      for (const path of ['/nope', '/dapr/subscribe', '/busy']) {
        const res = await get(path, headers);
        expect(res.status).toBe(401);
        expect((await json(res)).code).toBe('UNAUTHENTICATED');
      }
    }
    const unsigned = await fetch(`${base}/events/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ id: '2', data: { n: 2 } }),
    });
    expect(unsigned.status).toBe(401);
    expect(seen).not.toContain('n=2');
    expect((await get('/healthz', {})).status).toBe(200);
  });

  it('when a body is nested deeper than the limit, then 400 names the limit, and strings with brackets do not count', async () => {
    const deep = `${'['.repeat(40)}1${']'.repeat(40)}`;
    const res = await post('/echo', JSON.stringify({ name: 'x', deep: JSON.parse(deep) }));
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toMatch(/nested deeper than 32 levels/);
    const brackets = await post(
      '/echo',
      JSON.stringify({ name: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\\' }),
    );
    expect(brackets.status).toBe(200);
  });
});
