import type { StreamStats } from '@meridian/contracts';
import { AppError, type DaprClient } from '@meridian/service-kit';
import type { StatsDelta, StatsStore } from '../domain/ports.ts';

const MAX_ATTEMPTS = 30;

export function emptyStats(stream: string): StreamStats {
  return { stream, accepted: 0, rejected: 0, duplicates: 0, dead_lettered: 0, batches: 0 };
}

export function addStats(o: { stats: StreamStats; delta: StatsDelta; at: string }): StreamStats {
  const { stats: s, delta: d } = o;
  return {
    stream: s.stream, accepted: s.accepted + d.accepted, rejected: s.rejected + d.rejected, duplicates: s.duplicates + d.duplicates,
    dead_lettered: s.dead_lettered + d.dead_lettered, batches: s.batches + 1, updated_at: o.at,
  };
}

/** Per-stream totals in one state key, updated with ETag compare-and-set so concurrent batches all count. */
export class StateStats implements StatsStore {
  constructor(private readonly opts: { dapr: Pick<DaprClient, 'getState' | 'transact'>; store: string }) {}

  private key(stream: string): string {
    return `stats:${stream}`;
  }

  async get(stream: string): Promise<StreamStats> {
    const { value } = await this.opts.dapr.getState<StreamStats>({ store: this.opts.store, key: this.key(stream) });
    return value ?? emptyStats(stream);
  }

  async add(o: { stream: string; delta: StatsDelta; at: string }): Promise<void> {
    const { dapr, store } = this.opts;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await dapr.getState<StreamStats>({ store, key: this.key(o.stream) });
      const next = addStats({ stats: current.value ?? emptyStats(o.stream), delta: o.delta, at: o.at });
      const committed = await dapr.transact({
        store,
        operations: [{ operation: 'upsert', request: { key: this.key(o.stream), value: next, ...(current.etag ? { etag: current.etag } : {}), options: { concurrency: 'first-write' } } }],
      }).catch((err: unknown) => {
        if (err instanceof AppError && /no item was updated/i.test(err.message)) return false;
        throw err;
      });
      if (committed) return;
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * Math.min(attempt + 1, 10)));
    }
    throw new AppError({ code: 'UNAVAILABLE', message: `stream stats for ${o.stream}: too many concurrent updates`, headers: { 'retry-after': '1' } });
  }
}
