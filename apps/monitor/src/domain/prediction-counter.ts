import { hash } from 'node:crypto';
import type { PredictionCounts, PredictionEvent } from '@meridian/contracts';
import { rootLogger, updateMany } from '@meridian/service-kit';
import type { StateStore } from './ports.ts';

const SHARDS = 64;
const shardKey = (i: number) => `prediction-counts:${i}`;
const shardOf = (id: string) => hash('sha256', id, 'buffer').readUInt32BE(0) % SHARDS;
const markerKey = (id: string) => `counted:${id}`;
const DAY = 86_400;

interface Shard {
  models: Record<string, number>;
  /** Ids counted here whose marker is not written yet: a crash between the two leaves them, and they say "counted". */
  pending: string[];
}

/** A shard as stored; one from before markers listed every id it ever counted, which markers now replace. */
const shardOfStored = (v: (Partial<Shard> & { ids?: string[] }) | undefined): Shard => ({
  models: v?.models ?? {},
  pending: v?.pending ?? [],
});

export function emptyCounts(): PredictionCounts {
  return { total: 0, models: {} };
}

export function addPrediction(counts: PredictionCounts, model: string): PredictionCounts {
  return { total: counts.total + 1, models: { ...counts.models, [model]: (counts.models[model] ?? 0) + 1 } };
}

/**
 * Counts each prediction exactly once although pub/sub delivers at least
 * once, with state that does not grow with the events ever counted. An
 * event counts in three writes, each safe to repeat: (1) its shard's count
 * goes up and its id enters the shard's `pending` list, in one
 * compare-and-swap (a redelivery finds it there); (2) a marker for its id
 * is written first-write with a TTL (`counted:<id>`, the lasting proof);
 * (3) the id leaves `pending`. A crash after (1) leaves the id pending,
 * which still says "counted"; the next delivery writes the marker and
 * clears it. Markers expire after `ttlSeconds` (default 7 days): an event
 * delivered again later than that would count twice.
 */
export class PredictionCounter {
  constructor(private readonly opts: { state: StateStore; store: string; ttlSeconds?: number }) {}

  /**
   * Counts each event unless it was counted before, with one bulk read of
   * markers, one write per touched shard and one bulk write of markers for
   * the whole batch: `fresh` holds the ids counted now, `failed` the ids of
   * shards still contended (their deliveries are retried).
   */
  async recordMany(events: readonly PredictionEvent[]): Promise<{ fresh: Set<string>; failed: Set<string> }> {
    const { state, store } = this.opts;
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    const marked = new Set(
      (await state.getBulkState<unknown>({ store, keys: unique.map((e) => markerKey(e.id)) }))
        .filter((m) => m.value !== undefined)
        .map((m) => m.key.slice('counted:'.length)),
    );
    const byShard = new Map<string, PredictionEvent[]>();
    for (const e of unique.filter((u) => !marked.has(u.id)))
      byShard.set(shardKey(shardOf(e.id)), [...(byShard.get(shardKey(shardOf(e.id))) ?? []), e]);
    const counted = await updateMany<Shard>({
      state,
      store,
      keys: [...byShard.keys()],
      change: (current, key) => {
        const shard = shardOfStored(current);
        const add = byShard.get(key)!.filter((e) => !shard.pending.includes(e.id));
        if (!add.length) return undefined;
        const models = { ...shard.models };
        for (const e of add) models[e.model] = (models[e.model] ?? 0) + 1;
        return { models, pending: [...shard.pending, ...add.map((e) => e.id)] };
      },
    });
    const fresh = new Set<string>();
    for (const { before, after } of counted.written.values()) {
      const had = new Set(shardOfStored(before).pending);
      for (const id of after.pending) if (!had.has(id)) fresh.add(id);
    }
    const failed = new Set([...counted.failed].flatMap((key) => byShard.get(key)!.map((e) => e.id)));
    // Every id now in a shard's pending list (counted now, or before a crash) gets its marker, then leaves the list.
    const settled = [...byShard.values()]
      .flat()
      .map((e) => e.id)
      .filter((id) => !failed.has(id));
    await this.settle(settled);
    return { fresh, failed };
  }

  private async settle(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const { state, store } = this.opts;
    const ttl = `${this.opts.ttlSeconds ?? 7 * DAY}`;
    // Every marker holds the same value, so overwriting one another replica wrote changes nothing: last write
    // wins, in one commit for the batch (per-key commits made SQLite the monitor's bottleneck).
    await state.commitState({
      store,
      items: ids.map((id) => ({ key: markerKey(id), value: 1, metadata: { ttlInSeconds: ttl } })),
    });
    const done = new Set(ids);
    const shards = [...new Set(ids.map((id) => shardKey(shardOf(id))))];
    const cleared = await updateMany<Shard>({
      state,
      store,
      keys: shards,
      change: (current) => {
        const shard = shardOfStored(current);
        const left = shard.pending.filter((id) => !done.has(id));
        return left.length === shard.pending.length ? undefined : { models: shard.models, pending: left };
      },
    });
    // Not retried: the ids have their markers, so a redelivery would skip them. Left pending they still say
    // "counted" and only take room, until a later batch touching the shard clears them.
    if (cleared.failed.size)
      rootLogger().warn(
        { shards: [...cleared.failed] },
        'prediction count shards stayed contended; settled ids left pending',
      );
  }

  /** Whether the prediction with this id has been counted. */
  async seen(id: string): Promise<boolean> {
    const { state, store } = this.opts;
    if ((await state.getState<unknown>({ store, key: markerKey(id) })).value !== undefined) return true;
    return shardOfStored((await state.getState<Shard>({ store, key: shardKey(shardOf(id)) })).value).pending.includes(
      id,
    );
  }

  async counts(): Promise<PredictionCounts> {
    const shards = await this.opts.state.getBulkState<Shard>({
      store: this.opts.store,
      keys: Array.from({ length: SHARDS }, (_, i) => shardKey(i)),
    });
    let counts = emptyCounts();
    for (const { value } of shards) {
      for (const [model, n] of Object.entries(value?.models ?? {})) {
        counts = { total: counts.total + n, models: { ...counts.models, [model]: (counts.models[model] ?? 0) + n } };
      }
    }
    return counts;
  }
}
