import { AppError, type DaprClient } from '@meridian/service-kit';
import type { CounterStore } from '../domain/ports.ts';

export type StateApi = Pick<DaprClient, 'getState' | 'saveIfUnchanged'>;

interface StoredCount {
  count: number;
}

/**
 * Shared counters in the gateway sidecar's state store: one key per counter,
 * added to with compare-and-swap on its ETag (first write when it is new),
 * with a TTL so a window's key goes away after the window. Dapr prefixes the
 * keys with the app id, so only gateway replicas share them.
 */
export class StateCounterStore implements CounterStore {
  constructor(private readonly opts: { dapr: StateApi; store: string; maxAttempts?: number; sleep?: (ms: number) => Promise<void> }) {}

  async add(o: { key: string; delta: number; ttlSeconds: number }): Promise<number> {
    const { dapr, store } = this.opts;
    const attempts = this.opts.maxAttempts ?? 8;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const current = await dapr.getState<StoredCount>({ store, key: o.key });
      const count = typeof current.value?.count === 'number' ? current.value.count : 0;
      if (o.delta === 0) return count;
      const next = count + o.delta;
      const saved = await dapr.saveIfUnchanged({ store, key: o.key, value: { count: next }, etag: current.etag, metadata: { ttlInSeconds: String(o.ttlSeconds) } });
      if (saved) return next;
      // Another replica wrote between our read and write: back off a little, with jitter so we do not collide again.
      await (this.opts.sleep ?? sleep)(Math.random() * 5 * attempt);
    }
    throw new AppError({ code: 'UNAVAILABLE', message: `rate limit counter ${o.key}: still contended after ${attempts} attempts` });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
