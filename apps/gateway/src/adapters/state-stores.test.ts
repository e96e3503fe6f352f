import { describe, expect, it } from 'vitest';
import { AppError } from '@meridian/service-kit';
import { MemoryStateStore } from '@meridian/testkit';
import { StateAuditStore } from './state-audit-store.ts';
import { StateCounterStore } from './state-counter-store.ts';

const entry = (id: string) => ({
  id,
  at: '2026-12-01T10:00:00.000Z',
  subject: 'alice',
  roles: ['admin'],
  action: 'registry.stage',
  method: 'POST',
  path: '/v1/registry/models/m/versions/1/stage',
  target: 'registry',
  summary: {},
  ip: null,
});

describe('shared rate-limit counters', () => {
  it('when two replicas add to one counter at once, then both additions count', async () => {
    const state = new MemoryStateStore();
    const [a, b] = [
      new StateCounterStore({ dapr: state, store: 'statestore', backoffMs: 0 }),
      new StateCounterStore({ dapr: state, store: 'statestore', backoffMs: 0 }),
    ];
    const totals = await Promise.all([
      a.add({ key: 'k', delta: 3, ttlSeconds: 60 }),
      b.add({ key: 'k', delta: 4, ttlSeconds: 60 }),
    ]);
    // One of them read the other's write on its second try: the totals are 3 then 7, or 4 then 7.
    expect(Math.max(...totals)).toBe(7);
    expect(await a.add({ key: 'k', delta: 0, ttlSeconds: 60 })).toBe(7);
  });

  it('when every write loses to another writer, then the add fails with 503 naming the counter', async () => {
    const state = new MemoryStateStore();
    state.conflicts = 8;
    const err = await new StateCounterStore({ dapr: state, store: 'statestore', backoffMs: 0 })
      .add({ key: 'rate:read:alice', delta: 1, ttlSeconds: 60 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      status: 503,
      message: 'rate limit counter rate:read:alice: still contended after 8 attempts',
    });
  });
});

describe('the audit day index', () => {
  it('when entries of one day are appended at once, then the index lists each once', async () => {
    const store = new StateAuditStore({ dapr: new MemoryStateStore(), store: 'statestore', backoffMs: 0 });
    const ids = ['a', 'b', 'c', 'd'];
    await Promise.all(ids.map((id) => store.appendEntry(entry(id))));
    expect(await store.appendEntry(entry('a'))).toBe('exists');
    expect((await store.indexes(['2026-12-01'])).get('2026-12-01')?.slice().sort()).toEqual(ids);
  });

  it('when the index stays contended, then the append fails with 503 naming the day', async () => {
    const state = new MemoryStateStore();
    const store = new StateAuditStore({ dapr: state, store: 'statestore', backoffMs: 0, maxAttempts: 3 });
    state.conflicts = 4; // the entry's own first write, then every index write
    await expect(store.appendEntry(entry('x'))).rejects.toThrow(
      /audit index 2026-12-01: still contended after 3 attempts/,
    );
  });
});
