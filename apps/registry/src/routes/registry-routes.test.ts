import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, createServiceApp, parseEnv, type DaprClient } from '@meridian/service-kit';
import { inProcessEnv, servedApp } from '@meridian/testkit';
import { registryEnv } from '../env.ts';
import { createApp } from '../server.ts';
import { MemoryArtifacts, MemoryEvents, RacingState, memoryRecords } from '../testing/fakes.ts';

createLogger({ name: 'test', level: 'silent' });
const env = parseEnv(registryEnv, inProcessEnv({ app: 'the-registry' }));
const state = new RacingState();
const events = new MemoryEvents();
const app = createServiceApp(
  createApp({
    env,
    dapr: {} as DaprClient,
    store: memoryRecords(state),
    artifacts: new MemoryArtifacts(),
    events,
    clock: () => new Date(),
    maxArtifactBytes: 1024,
  }),
);
const served = await servedApp({ app, token: env.APP_API_TOKEN });
afterAll(() => served.close());

const reference = { kind: 'numeric', count: 3, edges: [1], proportions: [0.5, 0.5], sample: [0, 1, 2] };
const card = {
  platform: 'onnx',
  created_at: '2026-01-01T00:00:00Z',
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1] },
    { name: 'text', datatype: 'BYTES', shape: [-1] },
  ],
  outputs: [{ name: 'p', datatype: 'FP32', shape: [-1] }],
};
const post = (path: string, body: unknown) => served.send('POST', `/v1/registry/models/${path}`, body);
const register = async (metadata: Record<string, unknown>, model = 'm') => {
  const res = await post(`${model}/versions`, { artifact: 'AQID', metadata });
  return {
    status: res.status,
    location: res.headers.get('location'),
    body: (await res.json()) as { version?: string; stage?: string; errors?: { path: string; message: string }[] },
  };
};

describe('registering a version, for drift monitoring', () => {
  it('when the card has no reference, then 400 names metadata.reference', async () => {
    const res = await register(card);
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.path)).toEqual(['metadata.reference']);
  });

  it('when the reference leaves a tensor out without a reason, or names one the model lacks, then 400 names each', async () => {
    const res = await register({ ...card, reference: { x: reference, y: reference } });
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.path).sort()).toEqual([
      'metadata.reference.p',
      'metadata.reference.text',
      'metadata.reference.y',
    ]);
  });

  it('when every tensor has its distribution or a reason, then it is registered', async () => {
    const res = await register({
      ...card,
      reference: { x: reference, p: reference },
      drift_monitoring: { enabled: true, unmonitored: { text: 'raw text' } },
    });
    expect(res.status).toBe(201);
  });

  it('when the card turns drift monitoring off, then it needs a reason and no reference', async () => {
    expect(
      (await register({ ...card, drift_monitoring: { enabled: false, reason: 'rules, checked upstream' } })).status,
    ).toBe(201);
    const res = await register({ ...card, drift_monitoring: { enabled: false, reason: '' } });
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.path)).toEqual(['metadata.drift_monitoring.reason']);
  });

  it('when a reference counts full windows only but the model has no window, then 400 names its population', async () => {
    const res = await register({
      ...card,
      reference: { x: { ...reference, population: 'full-window' }, p: reference },
      drift_monitoring: { enabled: true, unmonitored: { text: 'raw text' } },
    });
    expect(res.body.errors?.map((e) => e.path)).toEqual(['metadata.reference.x.population']);
  });
});

const monitored = {
  ...card,
  reference: { x: reference, p: reference },
  drift_monitoring: { enabled: true, unmonitored: { text: 'raw text' } },
};
const stage = async (o: { model: string; version: string; to: string }) => {
  const res = await post(`${o.model}/versions/${o.version}/stage`, { stage: o.to, reason: 'checked' });
  return {
    status: res.status,
    body: (await res.json()) as { version: string; stage: string; history: { action: string; to: string }[] },
  };
};

describe('registering and moving versions through the app', () => {
  it('when a version is registered, then 201 answers the candidate record and where it lives', async () => {
    const res = await register(monitored, 'fraud');
    expect([res.status, res.body.version, res.body.stage]).toEqual([201, '1', 'candidate']);
    expect(res.location).toBe('/v1/registry/models/fraud/versions/1');
  });

  it('when a version is moved to staging, then 200 answers it in staging and a lifecycle event says so', async () => {
    await register(monitored, 'churn');
    const res = await stage({ model: 'churn', version: '1', to: 'staging' });
    expect([res.status, res.body.stage]).toEqual([200, 'staging']);
    expect(res.body.history.map((h) => h.action)).toEqual(['registered', 'moved']);
    expect(events.published.filter((e) => e.model === 'churn').map((e) => `${e.version}:${e.from}->${e.to}`)).toEqual([
      '1:null->candidate',
      '1:candidate->staging',
    ]);
  });

  it('when two versions of one model are moved at once from the same read, then both moves land, one after the other (no lost update)', async () => {
    await register(monitored, 'spam');
    await register(monitored, 'spam');
    const lostBefore = state.lost;
    state.holdReads(2);
    const [one, two] = await Promise.all([
      stage({ model: 'spam', version: '1', to: 'staging' }),
      stage({ model: 'spam', version: '2', to: 'archived' }),
    ]);
    expect([one.status, two.status]).toEqual([200, 200]);
    // Both read the same index, so one write was refused and redone on top of the other.
    expect(state.lost - lostBefore).toBe(1);
    const versions = (await (await served.send('GET', '/v1/registry/models/spam/versions')).json()) as {
      version: string;
      stage: string;
    }[];
    expect(versions.map((v) => `${v.version}:${v.stage}`)).toEqual(['1:staging', '2:archived']);
    const moves = events.published.filter((e) => e.model === 'spam' && e.action === 'moved');
    expect(moves.map((e) => e.version).sort()).toEqual(['1', '2']);
  });
});
