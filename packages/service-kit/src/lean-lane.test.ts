import { serveInProcess } from '@meridian/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { DaprClient } from './dapr-client.ts';
import { daprPreset, parseEnv } from './env.ts';
import { AppError } from './errors.ts';
import { createLogger } from './logger.ts';
import { createMetricsRegistry } from './metrics/registry.ts';
import { createServiceApp } from './service.ts';
import { startTelemetry } from './telemetry.ts';

const telemetry = startTelemetry({ serviceName: 'lean-lane-test' });
createLogger({ name: 'test', level: 'silent' });
const APP_TOKEN = 'app-token-of-the-lean-lane-test';
const env = parseEnv(daprPreset, {
  APP_ID: 'test',
  LOG_LEVEL: 'silent',
  DAPR_API_TOKEN: 'dapr-token-of-the-lean-lane-test',
  APP_API_TOKEN: APP_TOKEN,
});
const ran: string[] = [];
const served = await serveInProcess(
  createServiceApp(
    {
      name: 'test',
      env,
      dapr: { healthy: async () => true } as unknown as DaprClient,
      metrics: createMetricsRegistry(),
      bodyLimit: '1kb',
      bodyLimits: [{ path: /^\/fast\/big$/, limit: '8kb' }],
      before: [
        (req, res, next) => {
          res.setHeader('x-before', req.path);
          next();
        },
      ],
      lean: {
        takes: (req) => req.url?.startsWith('/fast/') === true,
        handler(req, res, next) {
          ran.push(req.path);
          res.locals.route = 'fast';
          if (req.path === '/fast/busy')
            throw new AppError({ code: 'TOO_MANY_REQUESTS', message: 'slow down', headers: { 'retry-after': '2' } });
          if (req.path === '/fast/boom') return Promise.reject(new Error('a bug with internals'));
          if (req.path === '/fast/none') return next();
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ lane: 'lean', body: req.body as unknown, auth: req.header('authorization') }));
        },
      },
      routes(app) {
        app.post('/fast/echo', (_req, res) => void res.json({ lane: 'express' }));
        app.post('/slow/echo', (req, res) => void res.json({ lane: 'express', body: req.body as unknown }));
      },
    },
    telemetry,
  ),
);
afterAll(async () => {
  await served.close();
  await telemetry.shutdown();
});

const sidecar = { 'dapr-api-token': APP_TOKEN };
const post = (path: string, body: string, headers: Record<string, string> = sidecar) =>
  fetch(`${served.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
type Json = Record<string, any>; // test-only: bodies are checked field by field

describe('the lean lane of createServiceApp', () => {
  it('when a request is taken, then the lane answers it after the before steps and the body parser, not Express', async () => {
    const res = await post('/fast/echo', JSON.stringify({ n: 1 }), { ...sidecar, authorization: 'Bearer x' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-before')).toBe('/fast/echo');
    expect(await res.json()).toEqual({ lane: 'lean', body: { n: 1 }, auth: 'Bearer x' });
    const other = await post('/slow/echo', JSON.stringify({ n: 2 }));
    expect(await other.json()).toEqual({ lane: 'express', body: { n: 2 } });
  });

  it('when the app token is missing, then 401 and the lane handler never runs', async () => {
    ran.length = 0;
    const res = await post('/fast/echo', '{}', {});
    expect(res.status).toBe(401);
    expect(((await res.json()) as Json).code).toBe('UNAUTHENTICATED');
    expect(ran).toEqual([]);
  });

  it('when a body is bad JSON, too deep or over its path limit, then 400 or 413 problem+json before the handler', async () => {
    ran.length = 0;
    expect((await post('/fast/echo', '{"n":')).status).toBe(400);
    const deep = await post('/fast/echo', `${'['.repeat(40)}1${']'.repeat(40)}`);
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as Json).detail).toMatch(/nested deeper than 32 levels/);
    const big = JSON.stringify({ s: 'x'.repeat(4000) });
    const over = await post('/fast/echo', big);
    expect(over.status).toBe(413);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(ran).toEqual([]);
    expect((await post('/fast/big', big)).status).toBe(200);
  });

  it('when the handler fails, then problem+json: an AppError keeps status and headers, a bug is 500 without internals', async () => {
    const busy = await post('/fast/busy', '{}');
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('2');
    expect(((await busy.json()) as Json).instance).toBe('/fast/busy');
    const boom = await post('/fast/boom', '{}');
    expect(boom.status).toBe(500);
    expect(await boom.text()).not.toContain('internals');
    const none = await post('/fast/none', '{}');
    expect(none.status).toBe(404);
    expect(((await none.json()) as Json).code).toBe('NOT_FOUND');
  });

  it('when the lane answers, then the request is timed under its route, with its status, like any other', async () => {
    await post('/fast/echo', '{}');
    const text = await (
      await fetch(`${served.base}/metrics`, { headers: { authorization: `Bearer ${APP_TOKEN}` } })
    ).text();
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{method="POST",route="fast",status_code="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{method="POST",route="fast",status_code="429"\} 1/,
    );
  });
});
