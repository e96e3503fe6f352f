import { serveInProcess } from '@meridian/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { DaprClient } from '../dapr-client.ts';
import { daprPreset, parseEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { createServiceApp, type ServiceDefinition } from '../service.ts';
import { startTelemetry } from '../telemetry.ts';
import { createMetricsRegistry } from './registry.ts';

// Registers the tracer provider and its context manager for this test file's worker, as runService does.
const telemetry = startTelemetry({ serviceName: 'metrics-test' });
createLogger({ name: 'test', level: 'silent' });
const APP_TOKEN = 'app-token-of-the-metrics-test';
const env = parseEnv(daprPreset, {
  APP_ID: 'test',
  LOG_LEVEL: 'silent',
  DAPR_API_TOKEN: 'dapr-token-of-the-metrics-test',
  APP_API_TOKEN: APP_TOKEN,
});
const dapr = { healthy: async () => true } as unknown as DaprClient;

function definition(o: { publicEdge?: boolean } = {}): ServiceDefinition {
  return {
    name: 'test',
    env,
    dapr,
    ...o,
    metrics: createMetricsRegistry(),
    routes(app) {
      app.get('/things/:id', (req, res) => void res.json({ id: req.params.id }));
      app.get('/boom', () => {
        throw new Error('bug');
      });
      app.get('/busy', () => {
        throw new AppError({ code: 'TOO_MANY_REQUESTS', message: 'slow down' });
      });
    },
  };
}

const app = definition();
const served = await serveInProcess(createServiceApp(app, telemetry));
const edge = definition({ publicEdge: true });
const servedEdge = await serveInProcess(createServiceApp(edge, telemetry));
afterAll(async () => {
  await Promise.all([served.close(), servedEdge.close()]);
  await telemetry.shutdown();
});

const sidecar = { 'dapr-api-token': APP_TOKEN };
const get = (base: string, path: string, headers: Record<string, string> = sidecar) =>
  fetch(`${base}${path}`, { headers });
const scrape = async (base = served.base) => {
  const res = await get(base, '/metrics', { authorization: `Bearer ${APP_TOKEN}` });
  expect(res.status).toBe(200);
  return res.text();
};
/** The value of one series line (labels in prom-client's order: the series' own, then `le`). */
const sample = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${series} `))
      ?.split(' ')[1],
  );
const countOf = (labels: string) => `http_server_request_duration_seconds_count{${labels}}`;

describe('HTTP RED metrics of a service', () => {
  it('when routes answer 200, 404, 429 and 500, then each is counted under its route pattern and status', async () => {
    await get(served.base, '/things/1');
    await get(served.base, '/things/2');
    await get(served.base, '/boom');
    await get(served.base, '/busy');
    await get(served.base, '/nowhere/42');
    const text = await scrape();
    expect(sample(text, countOf('method="GET",route="/things/:id",status_code="200"'))).toBe(2);
    expect(sample(text, countOf('method="GET",route="/boom",status_code="500"'))).toBe(1);
    expect(sample(text, countOf('method="GET",route="/busy",status_code="429"'))).toBe(1);
    expect(sample(text, countOf('method="GET",route="unmatched",status_code="404"'))).toBe(1);
    expect(text).not.toMatch(/route="\/things\/1"|\/nowhere/);
  });

  it('when a request is refused for its app token, then it is counted as unmatched 401', async () => {
    await get(served.base, '/things/3', {});
    expect(sample(await scrape(), countOf('method="GET",route="unmatched",status_code="401"'))).toBe(1);
  });

  it('when probes and scrapes are served, then they are not counted', async () => {
    await get(served.base, '/healthz');
    await get(served.base, '/readyz');
    await scrape();
    expect(await scrape()).not.toMatch(/route="(\/healthz|\/readyz|\/metrics)"/);
  });

  it('when a request continues a trace, then its bucket carries the trace id as exemplar (OpenMetrics)', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await get(served.base, '/things/7', { ...sidecar, traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    const res = await get(served.base, '/metrics', { authorization: `Bearer ${APP_TOKEN}` });
    expect(res.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const text = await res.text();
    expect(text.endsWith('# EOF\n')).toBe(true);
    const bucket = text
      .split('\n')
      .find((line) => line.includes('route="/things/:id"') && line.includes(`# {trace_id="${traceId}"}`));
    // `<bucket> <count> # {trace_id="…"} <observed value> <timestamp>`
    expect(bucket).toMatch(
      /^http_server_request_duration_seconds_bucket\{le="[^"]+",.*\} \d+ # \{trace_id="[0-9a-f]{32}"\} \S+ \S+$/,
    );
  });
});

describe('GET /metrics', () => {
  it('when the app token comes as dapr-api-token or as a Bearer, then 200', async () => {
    expect((await get(served.base, '/metrics')).status).toBe(200);
    expect((await get(served.base, '/metrics', { authorization: `Bearer ${APP_TOKEN}` })).status).toBe(200);
  });

  it('when no token or a wrong Bearer is sent, then 401 problem+json and no metrics', async () => {
    const refused: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-the-token' },
      { authorization: APP_TOKEN },
    ];
    for (const headers of refused) {
      const res = await get(served.base, '/metrics', headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.text()).not.toContain('http_server_request_duration_seconds');
    }
  });

  it('when the app token comes as a Bearer on any other path, then 401: only the scrape path takes it', async () => {
    expect((await get(served.base, '/things/1', { authorization: `Bearer ${APP_TOKEN}` })).status).toBe(401);
  });

  it('when the public edge is scraped without a token or with a client JWT, then 401; with its app token, 200', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEiLCJyb2xlcyI6WyJhZG1pbiIsInByZWRpY3QiXX0.c2lnbmF0dXJl';
    const refused: Record<string, string>[] = [{}, { authorization: `Bearer ${jwt}` }, { 'dapr-api-token': 'guess' }];
    for (const headers of refused) {
      const res = await get(servedEdge.base, '/metrics', headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const text = await scrape(servedEdge.base);
    expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
    // Scrapes, refused or not, are not requests of the app.
    expect(text).not.toContain('status_code="401"');
  });
});
