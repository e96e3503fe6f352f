import { createHash } from 'node:crypto';
import type { PredictionErrorEvent, PredictionEvent, SloReport } from '@meridian/contracts';
import type { DaprClient, DeliveryResult } from '@meridian/service-kit';
import { addEntry, sloReport, type Outcome, type SloEntry, type SloObjectives } from './slo.ts';

const SHARDS = 8;
const MAX_ATTEMPTS = 50;
const shardKey = (model: string, i: number) => `slo:${model}:${i}`;
const shardOf = (key: string) => createHash('sha256').update(key).digest().readUInt32BE(0) % SHARDS;

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
  constructor(private readonly opts: { dapr: DaprClient; store: string; window: number; objectives: SloObjectives }) {}

  /** An answered request (from the model, the fallback or the cache). */
  recordPrediction(event: PredictionEvent): Promise<DeliveryResult> {
    return this.record(event.model, [event.id, event.latency_ms, event.fallback ? 'fallback' : 'ok', Date.parse(event.ts)]);
  }

  /** A failed request; keyed apart from predictions, since a client may retry under the same request id. */
  recordError(event: PredictionErrorEvent): Promise<DeliveryResult> {
    return this.record(event.model, [`${event.id}#error`, event.latency_ms, 'error', Date.parse(event.ts)]);
  }

  private async record(model: string, entry: SloEntry): Promise<DeliveryResult> {
    const { dapr, store } = this.opts;
    const key = shardKey(model, shardOf(entry[0]));
    const keep = Math.ceil(this.opts.window / SHARDS);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await dapr.getState<SloEntry[]>({ store, key });
      const next = addEntry(current.value ?? [], entry, keep);
      if (!next) return 'SUCCESS';
      if (await dapr.saveIfUnchanged({ store, key, value: next, etag: current.etag })) return 'SUCCESS';
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * (attempt + 1)));
    }
    return 'RETRY';
  }

  /** Undefined when nothing of the model has been logged. */
  async report(model: string): Promise<SloReport | undefined> {
    const shards = await this.opts.dapr.getBulkState<SloEntry[]>({ store: this.opts.store, keys: Array.from({ length: SHARDS }, (_, i) => shardKey(model, i)) });
    const entries = shards.flatMap((s) => s.value ?? []);
    if (!entries.length) return undefined;
    return sloReport({ model, entries, size: this.opts.window, objectives: this.opts.objectives });
  }
}
