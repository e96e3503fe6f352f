import { createHash } from 'node:crypto';
import type { PredictionCounts, PredictionEvent } from '@meridian/contracts';
import type { DaprClient, DeliveryResult } from '@meridian/service-kit';

const SHARDS = 64;
const shardKey = (i: number) => `prediction-counts:${i}`;
const shardOf = (id: string) => createHash('sha256').update(id).digest().readUInt32BE(0) % SHARDS;
const MAX_ATTEMPTS = 50;

interface Shard {
  models: Record<string, number>;
  /** Ids of the events counted in this shard. */
  ids: string[];
}

export function emptyCounts(): PredictionCounts {
  return { total: 0, models: {} };
}

export function addPrediction(counts: PredictionCounts, model: string): PredictionCounts {
  return { total: counts.total + 1, models: { ...counts.models, [model]: (counts.models[model] ?? 0) + 1 } };
}

/**
 * Counts each prediction exactly once although pub/sub delivers at least
 * once. The events are spread over shards by id; a shard holds its counts
 * and the ids it counted, and is replaced only if unchanged since it was
 * read (one key, compare-and-swap), so a redelivery or a concurrent
 * delivery either finds its id or loses the swap, re-reads, and finds it.
 * One key per change is atomic on every state store.
 */
export class PredictionCounter {
  constructor(private readonly opts: { dapr: DaprClient; store: string }) {}

  /** Counts the event unless it was counted before; `fresh` says which. */
  async record(event: PredictionEvent): Promise<{ status: DeliveryResult; fresh: boolean }> {
    const { dapr, store } = this.opts;
    const key = shardKey(shardOf(event.id));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await dapr.getState<Shard>({ store, key });
      const shard = current.value ?? { models: {}, ids: [] };
      if (shard.ids.includes(event.id)) return { status: 'SUCCESS', fresh: false };
      const next: Shard = { models: { ...shard.models, [event.model]: (shard.models[event.model] ?? 0) + 1 }, ids: [...shard.ids, event.id] };
      if (await dapr.saveIfUnchanged({ store, key, value: next, etag: current.etag })) return { status: 'SUCCESS', fresh: true };
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * (attempt + 1)));
    }
    return { status: 'RETRY', fresh: false };
  }

  /** Whether the prediction with this id has been counted. */
  async seen(id: string): Promise<boolean> {
    const shard = (await this.opts.dapr.getState<Shard>({ store: this.opts.store, key: shardKey(shardOf(id)) })).value;
    return shard?.ids.includes(id) ?? false;
  }

  async counts(): Promise<PredictionCounts> {
    const shards = await this.opts.dapr.getBulkState<Shard>({ store: this.opts.store, keys: Array.from({ length: SHARDS }, (_, i) => shardKey(i)) });
    let counts = emptyCounts();
    for (const { value } of shards) {
      for (const [model, n] of Object.entries(value?.models ?? {})) {
        counts = { total: counts.total + n, models: { ...counts.models, [model]: (counts.models[model] ?? 0) + n } };
      }
    }
    return counts;
  }
}
