import { createHash } from 'node:crypto';
import type { PredictionCounts, PredictionEvent } from '@meridian/contracts';
import { updateMany, type DaprClient, type DeliveryResult } from '@meridian/service-kit';

const SHARDS = 64;
const shardKey = (i: number) => `prediction-counts:${i}`;
const shardOf = (id: string) => createHash('sha256').update(id).digest().readUInt32BE(0) % SHARDS;

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

  /**
   * Counts each event unless it was counted before, one write per shard for
   * the whole batch: `fresh` holds the ids counted now, `failed` the ids of
   * shards still contended (their deliveries are retried).
   */
  async recordMany(events: readonly PredictionEvent[]): Promise<{ fresh: Set<string>; failed: Set<string> }> {
    const byShard = new Map<string, PredictionEvent[]>();
    for (const e of events) byShard.set(shardKey(shardOf(e.id)), [...(byShard.get(shardKey(shardOf(e.id))) ?? []), e]);
    const result = await updateMany<Shard>({
      state: this.opts.dapr, store: this.opts.store, keys: [...byShard.keys()],
      change: (current, key) => {
        const shard = current ?? { models: {}, ids: [] };
        const seen = new Set(shard.ids);
        const add = byShard.get(key)!.filter((e) => !seen.has(e.id) && seen.add(e.id));
        if (!add.length) return undefined;
        const models = { ...shard.models };
        for (const e of add) models[e.model] = (models[e.model] ?? 0) + 1;
        return { models, ids: [...shard.ids, ...add.map((e) => e.id)] };
      },
    });
    const fresh = new Set<string>();
    for (const { before, after } of result.written.values()) {
      const had = new Set(before?.ids ?? []);
      for (const id of after.ids) if (!had.has(id)) fresh.add(id);
    }
    const failed = new Set([...result.failed].flatMap((key) => byShard.get(key)!.map((e) => e.id)));
    return { fresh, failed };
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
