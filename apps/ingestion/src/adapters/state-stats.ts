import type { StreamStats } from '@meridian/contracts';
import { updateOrThrow, type DaprClient } from '@meridian/service-kit';
import type { StatsDelta, StatsStore } from '../domain/ports.ts';

export function emptyStats(stream: string): StreamStats {
  return { stream, accepted: 0, rejected: 0, duplicates: 0, dead_lettered: 0, batches: 0 };
}

export function addStats(o: { stats: StreamStats; delta: StatsDelta; at: string }): StreamStats {
  const { stats: s, delta: d } = o;
  return {
    stream: s.stream,
    accepted: s.accepted + d.accepted,
    rejected: s.rejected + d.rejected,
    duplicates: s.duplicates + d.duplicates,
    dead_lettered: s.dead_lettered + d.dead_lettered,
    batches: s.batches + 1,
    updated_at: o.at,
  };
}

export type StatsSidecar = Pick<DaprClient, 'getState' | 'getBulkState' | 'saveManyIfUnchanged'>;

/** Per-stream totals in one state key, updated compare-and-swap so concurrent batches all count. */
export class StateStats implements StatsStore {
  constructor(private readonly opts: { dapr: StatsSidecar; store: string; backoffMs?: number }) {}

  private key(stream: string): string {
    return `stats:${stream}`;
  }

  async get(stream: string): Promise<StreamStats> {
    const { value } = await this.opts.dapr.getState<StreamStats>({ store: this.opts.store, key: this.key(stream) });
    return value ?? emptyStats(stream);
  }

  /** Still contended after the attempts: a 503 error, which intake logs (the batch itself is published and marked). */
  async add(o: { stream: string; delta: StatsDelta; at: string }): Promise<void> {
    await updateOrThrow<StreamStats>({
      state: this.opts.dapr,
      store: this.opts.store,
      key: this.key(o.stream),
      change: (current) => addStats({ stats: current ?? emptyStats(o.stream), delta: o.delta, at: o.at }),
      ...(this.opts.backoffMs !== undefined ? { backoffMs: this.opts.backoffMs } : {}),
    });
  }
}
