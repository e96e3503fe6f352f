import { afterAll, describe, expect, it } from 'vitest';
import { RunList } from '@meridian/contracts';
import { createLogger, createServiceApp, parseEnv, type DaprClient } from '@meridian/service-kit';
import { inProcessEnv, servedApp } from '@meridian/testkit';
import { Runs } from '../domain/runs.ts';
import { trainingEnv } from '../env.ts';
import { createApp } from '../server.ts';
import { MemoryRunRecords, MemoryWorkflows } from '../testing/fakes.ts';

createLogger({ name: 'test', level: 'silent' });
const env = parseEnv(trainingEnv, inProcessEnv({ app: 'training' }));
const workflows = new MemoryWorkflows();
const runs = new Runs({ workflows, records: new MemoryRunRecords() });
const app = createServiceApp(
  createApp({ env, dapr: { healthy: async () => true } as unknown as DaprClient, runs, ready: () => true }),
);
const served = await servedApp({ app, token: env.APP_API_TOKEN });
afterAll(() => served.close());

describe('the training app, in process', () => {
  it('when a run is started, then 202 answers its id and where its status is, and the workflow is scheduled', async () => {
    const res = await served.send('POST', '/v1/training/runs', { model: 'spam' });
    const body = (await res.json()) as { id: string };
    expect(res.status).toBe(202);
    expect(body.id).toMatch(/^run-[0-9a-f-]{36}$/);
    expect(res.headers.get('location')).toBe(`/v1/training/runs/${body.id}`);
    expect(workflows.instances.get(body.id)?.input).toMatchObject({ model: 'spam', trigger: 'api' });
    const status = await served.send('GET', `/v1/training/runs/${body.id}`);
    expect([status.status, ((await status.json()) as { status: string }).status]).toEqual([200, 'pending']);
  });

  it('when the runs are listed, then the latest come first, bounded by limit; a limit out of range is 400', async () => {
    const first = (await (await served.send('POST', '/v1/training/runs', { model: 'spam' })).json()) as { id: string };
    const second = (await (await served.send('POST', '/v1/training/runs', { model: 'spam' })).json()) as { id: string };
    const res = await served.send('GET', '/v1/training/runs?limit=2');
    expect(res.status).toBe(200);
    const { runs: listed } = RunList.parse(await res.json());
    expect(listed.map((r) => r.id)).toEqual([second.id, first.id]);
    for (const limit of ['0', '201', 'x']) {
      const bad = await served.send('GET', `/v1/training/runs?limit=${limit}`);
      expect(bad.status, limit).toBe(400);
    }
  });

  it('when the run id is unknown, then 404 problem+json', async () => {
    const res = await served.send('GET', '/v1/training/runs/run-unknown');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 404, detail: 'no training run run-unknown' });
  });

  it('when the body names no model, then 400 names the field', async () => {
    const res = await served.send('POST', '/v1/training/runs', {});
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['model']);
  });
});
