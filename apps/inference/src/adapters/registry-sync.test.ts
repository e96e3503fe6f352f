import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelPolicy } from '@meridian/contracts';
import { sha256Hex } from '@meridian/ml';
import { createLogger, RegistryClient } from '@meridian/service-kit';
import { fakeSidecar, problemAnswer, registryRecord, sidecarAnswer } from '@meridian/testkit';
import type { ModelStore } from '../domain/model-store.ts';
import { chooseVersion } from '../domain/traffic.ts';
import { RegistrySync } from './registry-sync.ts';

createLogger({ name: 'test', level: 'silent' });
const bytes = Buffer.from('artifact of v2');
const dirs: string[] = [];
afterEach(async () => Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))));

/** A model store that "loads" any version whose files are in the repository. */
function memoryStore() {
  const versions = new Map<string, unknown>();
  let policy = ModelPolicy.parse({});
  const store = {
    entry: (name: string) => (name === 'm' && versions.size ? { name, versions, policy } : undefined),
    load: async (_name: string, version: string) => void versions.set(version, {}),
    setPolicy: async (_name: string, next: ModelPolicy) => {
      policy = next;
    },
  };
  return { store: store as unknown as ModelStore, policy: () => policy };
}

async function setup(o: { sha256?: string } = {}) {
  const repository = await mkdtemp(join(tmpdir(), 'registry-sync-'));
  dirs.push(repository);
  const record = registryRecord({
    name: 'm',
    version: '2',
    stage: 'production',
    sha256: o.sha256 ?? sha256Hex(bytes),
    metadata: { threshold: 0.5 },
  });
  const { history: _history, ...summary } = record;
  const sidecar = fakeSidecar({
    invoke(call) {
      if (call.method === 'v1/registry/models')
        return sidecarAnswer({ body: [{ name: 'm', production_version: '2', versions: 1 }] });
      if (call.method === 'v1/registry/models/m/versions') return sidecarAnswer({ body: [summary] });
      if (call.method === 'v1/registry/models/m/versions/2') return sidecarAnswer({ body: record });
      if (call.method === 'v1/registry/models/m/versions/2/artifact') return sidecarAnswer({ body: bytes });
      return problemAnswer({ status: 404, detail: 'unknown' });
    },
  });
  const { store, policy } = memoryStore();
  const sync = new RegistrySync({
    registry: new RegistryClient({ dapr: sidecar, appId: 'registry' }),
    store,
    repository,
    canaryPercent: 10,
  });
  return { sync, sidecar, repository, policy };
}

describe('RegistrySync', () => {
  it('when the registry has a production version, then its artifact is copied into the repository and it becomes the champion', async () => {
    const { sync, repository, policy } = await setup();
    await sync.syncAll();
    expect(await readFile(join(repository, 'm', '2', 'model.onnx'))).toEqual(bytes);
    expect(JSON.parse(await readFile(join(repository, 'm', '2', 'model.json'), 'utf8'))).toMatchObject({
      version: '2',
      threshold: 0.5,
      sha256: sha256Hex(bytes),
    });
    expect(policy().default_version).toBe('2');
  });

  it("when the artifact does not match the registry's checksum, then it is refused and nothing is written", async () => {
    const { sync, repository, policy } = await setup({ sha256: 'a'.repeat(64) });
    await sync.syncModel('m');
    await expect(readFile(join(repository, 'm', '2', 'model.onnx'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(policy().default_version).toBeUndefined();
  });

  it('when the registry is not reachable, then the sync fails (and is retried by its caller)', async () => {
    const sidecar = fakeSidecar({
      invoke: () => sidecarAnswer({ status: 500, body: { errorCode: 'ERR_DIRECT_INVOKE', message: 'no registry' } }),
    });
    const sync = new RegistrySync({
      registry: new RegistryClient({ dapr: sidecar, appId: 'registry' }),
      store: memoryStore().store,
      repository: '/nonexistent',
      canaryPercent: 10,
    });
    await expect(sync.syncAll()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('RegistrySync with a staging version', () => {
  /** The registry: v2 in production, v3 in staging, both with their artifacts. */
  async function withCanary(canaryPercent: number) {
    const repository = await mkdtemp(join(tmpdir(), 'registry-sync-'));
    dirs.push(repository);
    const records = ['2', '3'].map((version) =>
      registryRecord({
        name: 'm',
        version,
        stage: version === '2' ? 'production' : 'staging',
        sha256: sha256Hex(bytes),
      }),
    );
    const sidecar = fakeSidecar({
      invoke(call) {
        if (call.method === 'v1/registry/models/m/versions')
          return sidecarAnswer({ body: records.map(({ history: _history, ...summary }) => summary) });
        const record = records.find((r) => call.method.startsWith(`v1/registry/models/m/versions/${r.version}`));
        if (record) return sidecarAnswer({ body: call.method.endsWith('/artifact') ? bytes : record });
        return problemAnswer({ status: 404, detail: 'unknown' });
      },
    });
    const { store, policy } = memoryStore();
    await new RegistrySync({
      registry: new RegistryClient({ dapr: sidecar, appId: 'registry' }),
      store,
      repository,
      canaryPercent,
    }).syncModel('m');
    return policy();
  }

  it('when refreshed with nothing new in the registry, then a policy set since is kept; when a stage changed, then it is applied', async () => {
    const repository = await mkdtemp(join(tmpdir(), 'registry-sync-'));
    dirs.push(repository);
    let staging = '3';
    const record = (version: string) =>
      registryRecord({
        name: 'm',
        version,
        stage: version === '2' ? 'production' : version === staging ? 'staging' : 'archived',
        sha256: sha256Hex(bytes),
      });
    const sidecar = fakeSidecar({
      invoke(call) {
        if (call.method === 'v1/registry/models')
          return sidecarAnswer({ body: [{ name: 'm', production_version: '2', versions: 3 }] });
        if (call.method === 'v1/registry/models/m/versions')
          return sidecarAnswer({ body: ['2', '3', '4'].map((v) => ({ ...record(v), history: undefined })) });
        const version = /versions\/(\d+)/.exec(call.method)?.[1];
        if (version) return sidecarAnswer({ body: call.method.endsWith('/artifact') ? bytes : record(version) });
        return problemAnswer({ status: 404, detail: 'unknown' });
      },
    });
    const { store, policy } = memoryStore();
    const sync = new RegistrySync({
      registry: new RegistryClient({ dapr: sidecar, appId: 'registry' }),
      store,
      repository,
      canaryPercent: 10,
    });
    await sync.syncAll();
    expect(policy().traffic.canary).toEqual({ version: '3', percent: 10 });
    // An admin moves the canary to 50%; nothing changed in the registry.
    await store.setPolicy('m', {
      ...policy(),
      traffic: { ...policy().traffic, canary: { version: '3', percent: 50 } },
    });
    await sync.refresh();
    expect(policy().traffic.canary).toEqual({ version: '3', percent: 50 });
    // v4 was staged, and this instance missed the event.
    staging = '4';
    await sync.refresh();
    expect(policy().traffic.canary).toEqual({ version: '4', percent: 10 });
    expect(policy().default_version).toBe('2');
  });

  it('when CANARY_PERCENT is 25, then the staging version is the canary at 25% beside the production champion', async () => {
    const policy = await withCanary(25);
    expect(policy.default_version).toBe('2');
    expect(policy.traffic.canary).toEqual({ version: '3', percent: 25 });
  });

  it('when the canary policy routes 1000 requests (draws spread evenly over [0, 1)), then exactly its percent go to the canary', async () => {
    const { traffic } = await withCanary(25);
    const draws = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const routed = draws.map((d) =>
      chooseVersion({ traffic, champion: '2', loaded: new Set(['2', '3']), random: () => d }),
    );
    expect(routed.filter((r) => r.version === '3' && r.reason === 'canary')).toHaveLength(250);
    expect(routed.filter((r) => r.version === '2' && r.reason === 'default')).toHaveLength(750);
  });
});
