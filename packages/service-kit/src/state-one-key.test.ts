import { describe, expect, it } from 'vitest';
import { oneKeyAtATime } from './state-one-key.ts';
import { updateOne } from './state-update.ts';

/** A store holding one counter; `refuse` saves are refused although the store already holds what they write (another writer wrote the same). */
function counterStore(o: { refuse: number }) {
  let stored: { value: { count: number }; etag: string } = { value: { count: 5 }, etag: '1' };
  let refuse = o.refuse;
  return {
    saves: 0,
    async getBulkState<T>(q: { store: string; keys: string[] }) {
      return q.keys.map((key) => ({ key, value: stored.value as T, etag: stored.etag }));
    },
    async saveIfUnchanged(q: { store: string; key: string; value: unknown; etag?: string | undefined }) {
      this.saves += 1;
      if (refuse > 0) {
        refuse -= 1;
        stored = { value: { count: 6 }, etag: String(Number(stored.etag) + 1) };
        return false;
      }
      if (q.etag !== stored.etag) return false;
      stored = { value: q.value as { count: number }, etag: String(Number(stored.etag) + 1) };
      return true;
    },
  };
}

describe('oneKeyAtATime', () => {
  it('when a save is refused though the store now holds the same value, then the key counts as lost and the change is redone on the new value', async () => {
    const store = counterStore({ refuse: 1 });
    const r = await updateOne<{ count: number }>({
      state: oneKeyAtATime(store),
      store: 's',
      key: 'k',
      backoffMs: 0,
      change: (c) => ({ count: (c?.count ?? 0) + 1 }),
    });
    expect(r).toEqual({ written: { before: { count: 6 }, after: { count: 7 } }, failed: false });
    expect(store.saves).toBe(2);
  });
});
