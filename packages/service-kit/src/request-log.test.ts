import { inProcessEnv, serveInProcess } from '@meridian/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { DaprClient } from './dapr-client.ts';
import { daprPreset, parseEnv } from './env.ts';
import { createLogger } from './logger.ts';
import { createServiceApp } from './service.ts';
import { startTelemetry } from './telemetry.ts';

// The completion line each request gets: written at info with the trace the request came in,
// and at a quieter level not at all (nor anything prepared for it).
const env = parseEnv(daprPreset, { ...inProcessEnv({ app: 'log-test' }), APP_ID: 'log-test', DAPR_HTTP_PORT: '1' });
const lines: Record<string, unknown>[] = [];
const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
const telemetry = startTelemetry({ serviceName: 'log-test' });
const app = createServiceApp(
  {
    name: 'log-test',
    env,
    dapr: DaprClient.fromEnv(env),
    routes(a) {
      a.get('/things/:id', (_req, res) => void res.json({ ok: true }));
    },
  },
  telemetry,
);
const served = await serveInProcess(app);
afterAll(() => served.close());

const traceId = 'c'.repeat(32);
const get = () =>
  fetch(`${served.base}/things/7`, {
    headers: { 'dapr-api-token': env.APP_API_TOKEN, traceparent: `00-${traceId}-${'d'.repeat(16)}-01` },
  });
const completions = () => lines.filter((l) => l.msg === 'request completed');

describe('the request completion line', () => {
  it('when the level is info, then each request gets one, with its status, path and the trace it came in', async () => {
    createLogger({ name: 'log-test', level: 'info', destination });
    expect((await get()).status).toBe(200);
    await expect.poll(() => completions().length).toBe(1);
    expect(completions()[0]).toMatchObject({ status: 200, method: 'GET', path: '/things/7', trace_id: traceId });
  });

  it('when the level is warn, then none is written', async () => {
    createLogger({ name: 'log-test', level: 'warn', destination });
    lines.length = 0;
    expect((await get()).status).toBe(200);
    createLogger({ name: 'log-test', level: 'info', destination });
    // The next request's line is written: had the quiet one's been, it would come first.
    expect((await get()).status).toBe(200);
    await expect.poll(() => completions().length).toBe(1);
    expect(completions()).toHaveLength(1);
  });
});
