import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DaprClient } from './dapr-client.ts';
import { parseEnv, daprPreset } from './env.ts';
import { AppError, parseOrThrow } from './errors.ts';
import { createLogger } from './logger.ts';
import { createServiceApp } from './service.ts';
import { subscription } from './subscriptions.ts';

// The app runs in-process on a random port; its sidecar address points at a
// closed port, which is what a service sees while its sidecar is down.
const env = parseEnv(daprPreset, { APP_ID: 'test', DAPR_HTTP_PORT: '1', LOG_LEVEL: 'silent' });
createLogger({ name: 'test', level: env.LOG_LEVEL });
const seen: string[] = [];
const app = createServiceApp({
  name: 'test',
  env,
  dapr: new DaprClient({ httpPort: 1 }),
  bodyLimit: '1kb',
  subscriptions: [
    subscription({
      pubsub: 'pubsub', topic: 'things', route: '/events/things', schema: z.object({ n: z.number() }),
      handle: async ({ n }) => {
        if (n < 0) throw new Error('transient');
        seen.push(`n=${n}`);
        return 'SUCCESS';
      },
    }),
  ],
  routes(a) {
    a.post('/echo', (req, res) => void res.json(parseOrThrow(z.object({ name: z.string().min(1) }), req.body, 'echo body')));
    a.get('/boom', () => {
      throw new Error('bug');
    });
    a.get('/busy', () => {
      throw new AppError({ code: 'TOO_MANY_REQUESTS', message: 'slow down', headers: { 'retry-after': '2' } });
    });
  },
});
let server: Server;
let base = '';
beforeAll(async () => {
  server = await new Promise((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => void server.close());

type Json = Record<string, any>; // test-only: bodies are checked field by field
const json = async (res: Response) => (await res.json()) as Json;
const post = (path: string, body: string, type = 'application/json') => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

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
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.text()).not.toContain('bug');
    const busy = await fetch(`${base}/busy`);
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('2');
  });

  it('when a route does not exist, then 404 problem+json', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe('NOT_FOUND');
  });

  it('when Dapr asks for subscriptions, then the table is listed', async () => {
    expect(await (await fetch(`${base}/dapr/subscribe`)).json()).toEqual([{ pubsubname: 'pubsub', topic: 'things', route: '/events/things' }]);
  });

  it('when a message is delivered, then it is SUCCESS, DROP when it fails its schema, RETRY when handling throws', async () => {
    const deliver = async (data: unknown) => (await json(await post('/events/things', JSON.stringify({ id: '1', data }), 'application/cloudevents+json'))).status;
    expect(await deliver({ n: 1 })).toBe('SUCCESS');
    expect(await deliver({ n: 'one' })).toBe('DROP');
    expect(await deliver({ n: -1 })).toBe('RETRY');
    expect(seen).toEqual(['n=1']);
  });
});
