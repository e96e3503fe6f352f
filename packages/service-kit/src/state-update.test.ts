import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@meridian/testkit';
import { updateMany, updateOne, updateOrThrow } from './state-update.ts';

const store = 'statestore';
const add = (n: number) => (current: number | undefined) => (current ?? 0) + n;

describe('updateMany', () => {
  it('when many writers add to the same keys at once, then no addition is lost', async () => {
    const state = new MemoryStateStore();
    const keys = ['a', 'b', 'c'];
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        updateMany<number>({ state, store, keys, change: add(1), backoffMs: 1, attempts: 200 }),
      ),
    );
    expect(results.every((r) => r.failed.size === 0)).toBe(true);
    expect(state.values('')).toEqual([40, 40, 40]);
  });

  it('when the change leaves a key as it is, then it is not written and reported unchanged', async () => {
    const state = new MemoryStateStore();
    await updateOne<number>({ state, store, key: 'a', change: add(5) });
    const calls = state.calls;
    const r = await updateMany<number>({ state, store, keys: ['a'], change: () => undefined });
    expect([...r.unchanged]).toEqual(['a']);
    expect(state.calls - calls).toBe(2);
  });

  it('when a key keeps losing to other writers past the attempts, then it is reported failed and the rest landed', async () => {
    const state = new MemoryStateStore();
    state.conflicts = 1_000;
    const r = await updateMany<number>({ state, store, keys: ['a'], change: add(1), attempts: 3, backoffMs: 0 });
    expect([...r.failed]).toEqual(['a']);
    state.conflicts = 0;
    expect((await updateOne<number>({ state, store, key: 'b', change: add(2) })).written).toEqual({
      before: undefined,
      after: 2,
    });
  });

  it('when a key is written, then its metadata (a TTL) goes with it and the value before is reported', async () => {
    const state = new MemoryStateStore();
    await updateOne<number>({ state, store, key: 'a', change: add(1) });
    const r = await updateMany<number>({
      state,
      store,
      keys: ['a'],
      change: add(1),
      metadata: () => ({ ttlInSeconds: '60' }),
    });
    expect(r.written.get('a')).toEqual({ before: 1, after: 2 });
    expect(state.data.get('statestore/a')!.expiresAt).toBeGreaterThan(Date.now());
  });
});

describe('updateOrThrow', () => {
  it('when the key stays contended, then a 503 names the key; otherwise the value written comes back', async () => {
    const state = new MemoryStateStore();
    state.conflicts = 1_000;
    await expect(
      updateOrThrow<number>({ state, store, key: 'hot', change: add(1), attempts: 2, backoffMs: 0 }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('hot') });
    state.conflicts = 0;
    expect(await updateOrThrow<number>({ state, store, key: 'hot', change: add(1) })).toEqual({
      before: undefined,
      after: 1,
    });
  });
});
