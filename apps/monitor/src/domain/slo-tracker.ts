import { hash } from 'node:crypto';
import type { PredictionErrorEvent, PredictionEvent, SloReport } from '@meridian/contracts';
import { updateMany } from '@meridian/service-kit';
import type { StateStore } from './ports.ts';
import { addEntry, sloReport, type SloEntry, type SloObjectives } from './slo.ts';

const SHARDS = 8;
const shardKey = (model: string, i: number) => `slo:${model}:${i}`;
const shardOf = (key: string) => hash('sha256', key, 'buffer').readUInt32BE(0) % SHARDS;

/**
 * Latency and error SLOs per model from the prediction log, kept in the
 * state store so a restart loses nothing. A model's latest requests are
 * spread over a few keys by event id (one hot key per model would make
 * every delivery contend); each key holds its share of the window and the
 * ids in it, and is replaced by compare-and-swap, so a redelivered event
 * finds its id and is taken once. The window is therefore "about the latest
 * `window` requests": each shard keeps its latest ⌈window / shards⌉.
 */
export class SloTracker {
  constructor(private readonly opts: { state: StateStore; store: string; window: number; objectives: SloObjectives }) {}

  /** Answered requests (from the model, the fallback or the cache); answers the ids not recorded (contended, to retry). */
  recordPredictions(events: readonly PredictionEvent[]): Promise<Set<string>> {
    return this.record(
      events.map((e) => ({
        id: e.id,
        model: e.model,
        entry: [e.id, e.latency_ms, e.fallback ? 'fallback' : 'ok', Date.parse(e.ts)],
      })),
    );
  }

  /** Failed requests; keyed apart from predictions, since a client may retry under the same request id. */
  recordErrors(events: readonly PredictionErrorEvent[]): Promise<Set<string>> {
    return this.record(
      events.map((e) => ({
        id: e.id,
        model: e.model,
        entry: [`${e.id}#error`, e.latency_ms, 'error', Date.parse(e.ts)],
      })),
    );
  }

  /** One write per shard for the whole batch; a shard's entry already there (a redelivery) is not added again. */
  private async record(items: { id: string; model: string; entry: SloEntry }[]): Promise<Set<string>> {
    const byShard = new Map<string, typeof items>();
    for (const item of items) {
      const key = shardKey(item.model, shardOf(item.entry[0]));
      byShard.set(key, [...(byShard.get(key) ?? []), item]);
    }
    const keep = Math.ceil(this.opts.window / SHARDS);
    const result = await updateMany<SloEntry[]>({
      state: this.opts.state,
      store: this.opts.store,
      keys: [...byShard.keys()],
      change: (current, key) => {
        let entries = current ?? [];
        let changed = false;
        for (const { entry } of byShard.get(key)!) {
          const next = addEntry(entries, entry, keep);
          if (next) [entries, changed] = [next, true];
        }
        return changed ? entries : undefined;
      },
    });
    return new Set([...result.failed].flatMap((key) => byShard.get(key)!.map((i) => i.id)));
  }

  /** Undefined when nothing of the model has been logged. */
  async report(model: string): Promise<SloReport | undefined> {
    const shards = await this.opts.state.getBulkState<SloEntry[]>({
      store: this.opts.store,
      keys: Array.from({ length: SHARDS }, (_, i) => shardKey(model, i)),
    });
    const entries = shards.flatMap((s) => s.value ?? []);
    if (!entries.length) return undefined;
    return sloReport({ model, entries, size: this.opts.window, objectives: this.opts.objectives });
  }
}
