import { afterAll, describe, expect, it } from 'vitest';
import { API_TOKEN_HEADER, createLogger, createServiceApp, parseEnv, type DaprClient } from '@meridian/service-kit';
import { serveInProcess } from '@meridian/testkit';
import { RegistryStore } from '../adapters/registry-store.ts';
import { registryEnv } from '../env.ts';
import { createApp } from '../server.ts';
import { MemoryArtifacts } from '../testing/memory-artifacts.ts';
import { MemoryState } from '../testing/memory-state.ts';

createLogger({ name: 'test', level: 'silent' });
const env = parseEnv(registryEnv, { DAPR_API_TOKEN: 'dapr-token-of-the-registry', APP_API_TOKEN: 'app-token-of-the-registry', LOG_LEVEL: 'silent' });
const app = createServiceApp(createApp({
  env, dapr: {} as DaprClient,
  store: new RegistryStore({ state: new MemoryState(), store: 'statestore' }), artifacts: new MemoryArtifacts(),
  events: { publish: async () => undefined }, clock: () => new Date(), maxArtifactBytes: 1024,
}));
const served = await serveInProcess(app);
afterAll(() => served.close());

const reference = { kind: 'numeric', count: 3, edges: [1], proportions: [0.5, 0.5], sample: [0, 1, 2] };
const card = {
  platform: 'onnx', created_at: '2026-01-01T00:00:00Z',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }, { name: 'text', datatype: 'BYTES', shape: [-1] }],
  outputs: [{ name: 'p', datatype: 'FP32', shape: [-1] }],
};
const register = async (metadata: Record<string, unknown>) => {
  const res = await fetch(`${served.base}/v1/registry/models/m/versions`, {
    method: 'POST', headers: { 'content-type': 'application/json', [API_TOKEN_HEADER]: 'app-token-of-the-registry' },
    body: JSON.stringify({ artifact: 'AQID', metadata }),
  });
  return { status: res.status, body: (await res.json()) as { errors?: { path: string; message: string }[] } };
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
    expect(res.body.errors?.map((e) => e.path).sort()).toEqual(['metadata.reference.p', 'metadata.reference.text', 'metadata.reference.y']);
  });

  it('when every tensor has its distribution or a reason, then it is registered', async () => {
    const res = await register({ ...card, reference: { x: reference, p: reference }, drift_monitoring: { enabled: true, unmonitored: { text: 'raw text' } } });
    expect(res.status).toBe(201);
  });

  it('when the card turns drift monitoring off, then it needs a reason and no reference', async () => {
    expect((await register({ ...card, drift_monitoring: { enabled: false, reason: 'rules, checked upstream' } })).status).toBe(201);
    const res = await register({ ...card, drift_monitoring: { enabled: false, reason: '' } });
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.path)).toEqual(['metadata.drift_monitoring.reason']);
  });

  it('when a reference counts full windows only but the model has no window, then 400 names its population', async () => {
    const res = await register({ ...card, reference: { x: { ...reference, population: 'full-window' }, p: reference }, drift_monitoring: { enabled: true, unmonitored: { text: 'raw text' } } });
    expect(res.body.errors?.map((e) => e.path)).toEqual(['metadata.reference.x.population']);
  });
});
