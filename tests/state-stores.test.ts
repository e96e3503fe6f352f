import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '@meridian/platform';
import { DaprClient, createLogger } from '@meridian/service-kit';
import { StateSeenKeys } from '../apps/ingestion/src/adapters/state-seen-keys.ts';
import { clientSidecar } from './helpers/client-sidecar.ts';

createLogger({ name: 'test', level: 'silent' });

// The state operations the pipeline leans on, against the real stores through a real daprd:
// ingestion's idempotency marks (on Redis a chunk goes as one MULTI whose sets carry an ETag no
// mark has, which must be insert-only), and bulk reads, which our Dapr build answers on Redis
// in one script (tools/dapr/build/patch-redis-bulkget.mjs) and must answer as single reads do;
// and numbers, which a stock daprd's Redis store rounds to six decimals
// (tools/dapr/build/patch-redis-precise-json.mjs).
const run = `stores-${Date.now().toString(36)}`;
const dataDir = join(tmpdir(), `meridian-${run}`);
const stores = {
  redis: { type: 'state.redis', version: 'v1', metadata: { redisHost: 'localhost:6379' } },
  postgres: {
    type: 'state.postgresql',
    version: 'v2',
    metadata: { connectionString: 'host=localhost user=postgres port=5432 connect_timeout=10 database=test' },
  },
};

let sidecar: { url: string; process: ManagedProcess; ports: { http: number } } | undefined;
beforeAll(async () => {
  const resources = join(dataDir, 'components');
  mkdirSync(resources, { recursive: true });
  for (const [name, c] of Object.entries(stores)) {
    const metadata = Object.entries(c.metadata).map(([k, v]) => `    - name: ${k}\n      value: "${v}"`);
    writeFileSync(
      join(resources, `${name}.yaml`),
      [
        'apiVersion: dapr.io/v1alpha1',
        'kind: Component',
        'metadata:',
        `  name: ${name}`,
        'spec:',
        `  type: ${c.type}`,
        `  version: ${c.version}`,
        '  metadata:',
        ...metadata,
        '',
      ].join('\n'),
    );
  }
  sidecar = await clientSidecar(run, dataDir, { resources: [resources] });
});
afterAll(async () => void (await sidecar?.process.stop()));

const keys = (from: number, n: number) => Array.from({ length: n }, (_, i) => `mote-${from + i}`);
const dapr = () => new DaprClient({ httpPort: sidecar!.ports.http, apiToken: '' });
const marksOn = (store: string) => new StateSeenKeys({ dapr: dapr(), store, ttlSeconds: 600, concurrency: 8 });

describe.each(Object.keys(stores))('idempotency marks on %s through daprd', (store) => {
  const marks = () => marksOn(store);

  it('when two batches mark overlapping keys at once, then each key is won by exactly one of them and is seen afterwards', async () => {
    const a = keys(0, 600);
    const b = keys(300, 600); // 300 keys in common, across chunk bounds
    const [wonA, wonB] = await Promise.all([
      marks().mark({ stream: 'race', keys: a }),
      marks().mark({ stream: 'race', keys: b }),
    ]);
    const all = new Set([...a, ...b]);
    expect(wonA.size + wonB.size).toBe(all.size);
    expect(new Set([...wonA, ...wonB])).toEqual(all);
    expect(await marks().seen({ stream: 'race', keys: [...all, 'never-marked'] })).toEqual(all);
  });

  it('when a batch marks keys another batch already marked, then it wins none of those and the new ones', async () => {
    await marks().mark({ stream: 'again', keys: keys(0, 300) });
    const won = await marks().mark({ stream: 'again', keys: keys(0, 400) });
    expect(won).toEqual(new Set(keys(300, 100)));
  });
});

it('when marks land on Redis, then each carries the TTL', async () => {
  await marksOn('redis').mark({ stream: 'ttl', keys: ['one'] });
  const key = `${run}||seen:ttl:${createHash('sha256').update('one').digest('hex')}`;
  const { stdout } = await promisify(execFile)('redis-cli', ['-h', '127.0.0.1', 'TTL', key]);
  const ttl = Number(stdout.trim());
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(600);
});

describe.each(Object.keys(stores))('bulk reads on %s through daprd', (store) => {
  it('when keys are read in bulk, then each answers the value and ETag a single read does, and a missing key none', async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({
      key: `entity-${i}`,
      value: { n: i, tags: ['a', `${i}`] },
      metadata: { ttlInSeconds: '600' },
    }));
    await dapr().saveState({ store, items });
    await dapr().saveState({ store, items: items.slice(0, 5).map((i) => ({ ...i, value: { n: -1 } })) });
    const keys = [...items.map((i) => i.key), 'entity-missing'];
    // A bulk read answers in any order: compared key by key.
    const bulk = new Map(
      (await dapr().getBulkState<unknown>({ store, keys })).map((b) => [b.key, { value: b.value, etag: b.etag }]),
    );
    const single = new Map(
      await Promise.all(keys.map(async (key) => [key, await dapr().getState<unknown>({ store, key })] as const)),
    );
    expect(bulk).toEqual(single);
    expect(bulk.get('entity-0')!.value).toEqual({ n: -1 });
    expect(bulk.get('entity-5')!.value).toEqual({ n: 5, tags: ['a', '5'] });
    expect(bulk.get('entity-missing')!.value).toBeUndefined();
  });

  it('when an ETag read in bulk is written back, then the write lands once and a stale one is refused', async () => {
    await dapr().saveState({ store, items: [{ key: 'cas', value: { v: 1 }, metadata: { ttlInSeconds: '600' } }] });
    const [read] = await dapr().getBulkState<{ v: number }>({ store, keys: ['cas', 'cas-other'] });
    const write = (v: number) =>
      dapr().saveManyIfUnchanged({ store, items: [{ key: 'cas', value: { v }, etag: read!.etag }] });
    expect(await write(2)).toEqual(new Set());
    expect(await write(3)).toEqual(new Set(['cas']));
    expect((await dapr().getState({ store, key: 'cas' })).value).toEqual({ v: 2 });
  });
});

describe.each(Object.keys(stores))('numbers on %s through daprd', (store) => {
  // A window statistic, float noise, a tiny and a large value: what model cards and drift windows hold.
  const numbers = [0.004898979485565382, 0.1 + 0.2, 1e-7, -2.5e-12, 123456789.12345679, 27.26 - 27.25];

  it('when numbers are saved, by the save API or in a transaction, then every digit is read back', async () => {
    await dapr().saveState({
      store,
      items: [{ key: 'numbers-saved', value: { numbers }, metadata: { ttlInSeconds: '600' } }],
    });
    expect(
      await dapr().transact({
        store,
        operations: [{ operation: 'upsert', request: { key: 'numbers-transacted', value: { numbers } } }],
      }),
    ).toBe(true);
    for (const key of ['numbers-saved', 'numbers-transacted'])
      expect((await dapr().getState<{ numbers: number[] }>({ store, key })).value).toEqual({ numbers });
    const bulk = await dapr().getBulkState<{ numbers: number[] }>({
      store,
      keys: ['numbers-saved', 'numbers-transacted'],
    });
    expect(bulk.map((b) => b.value)).toEqual([{ numbers }, { numbers }]);
  });
});
