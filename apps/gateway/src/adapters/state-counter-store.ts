import { AppError, updateOne, type DaprClient } from '@meridian/service-kit';
import type { CounterStore } from '../domain/ports.ts';

export type StateApi = Pick<DaprClient, 'getState' | 'getBulkState' | 'saveManyIfUnchanged'>;

interface StoredCount {
  count: number;
}

const countOf = (stored: StoredCount | undefined) => (typeof stored?.count === 'number' ? stored.count : 0);

/**
 * Shared counters in the gateway sidecar's state store: one key per counter,
 * added to with compare-and-swap on its ETag (first write when it is new),
 * with a TTL so a window's key goes away after the window. Dapr prefixes the
 * keys with the app id, so only gateway replicas share them. Two replicas
 * adding to the same count write the same value: the sidecar client takes a
 * refused save of one key for lost, whatever the store holds after it.
 */
export class StateCounterStore implements CounterStore {
  constructor(private readonly opts: { dapr: StateApi; store: string; maxAttempts?: number; backoffMs?: number }) {}

  async add(o: { key: string; delta: number; ttlSeconds: number }): Promise<number> {
    const { dapr, store } = this.opts;
    if (o.delta === 0) return countOf((await dapr.getState<StoredCount>({ store, key: o.key })).value);
    const attempts = this.opts.maxAttempts ?? 8;
    const result = await updateOne<StoredCount>({
      state: dapr,
      store,
      key: o.key,
      attempts,
      backoffMs: this.opts.backoffMs ?? 5,
      change: (current) => ({ count: countOf(current) + o.delta }),
      metadata: () => ({ ttlInSeconds: String(o.ttlSeconds) }),
    });
    // The limiter keeps its local counts and adds them again on its next sync.
    if (!result.written)
      throw new AppError({
        code: 'UNAVAILABLE',
        message: `rate limit counter ${o.key}: still contended after ${attempts} attempts`,
      });
    return result.written.after.count;
  }
}
