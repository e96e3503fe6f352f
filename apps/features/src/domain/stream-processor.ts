import { createHash } from 'node:crypto';
import type { IngestedRecordEvent } from '@meridian/contracts';
import type { SensorWindowSpec } from '@meridian/ml';
import { AppError, rootLogger, type DeliveryResult, type KeyedLock } from '@meridian/service-kit';
import type { EntityStore, Loaded } from '../adapters/entity-store.ts';
import type { OfflineLog } from '../adapters/offline-log.ts';
import type { Scorer } from '../adapters/scorer.ts';
import { applyReadings, type EntityState, type PendingRow, type Reading } from './mote-state.ts';

export interface StreamItem {
  entryId: string;
  event: IngestedRecordEvent;
}

const MAX_CAS_ROUNDS = 20;

/** A sensor record as ingestion publishes it, or why it is not one (then it is dropped: it can never succeed). */
export function toReading(event: IngestedRecordEvent): { entity: string; reading: Reading } | { error: string } {
  const r = event.record as Record<string, unknown>;
  const ts = typeof r.ts === 'number' ? r.ts : typeof r.ts === 'string' ? Date.parse(r.ts) : Number.NaN;
  if (typeof r.mote_id !== 'number' || typeof r.humidity !== 'number' || typeof r.temperature !== 'number' || !Number.isFinite(ts)) {
    return { error: 'not a sensor reading: needs numeric mote_id, humidity, temperature and a timestamp ts' };
  }
  const label = r.label === 0 || r.label === 1 ? r.label : undefined;
  return {
    entity: String(r.mote_id),
    reading: { key: event.key, ts, humidity: r.humidity, temperature: r.temperature, received_at: Date.parse(event.received_at), ...(label !== undefined ? { label } : {}) },
  };
}

export interface ProcessorStats {
  batches: number;
  applied: number;
  duplicates: number;
  scored: number;
  rescored: number;
  dropped: number;
  cas_retries: number;
  /** Rows the scoring model refused (400), e.g. its inputs are not these features. */
  score_refused: number;
}

/**
 * Sensor readings in, online features and scores out. For one delivery:
 * the entities' states are read in one call, the readings applied (each key
 * once, features from packages/ml), the states written back
 * compare-and-swap in one call; then every pending row of those entities is
 * scored in one inference call (which publishes the prediction event) and
 * appended to the offline log. Only then is the delivery acknowledged, so a
 * crash anywhere leaves either unapplied readings (redelivered, applied
 * once) or applied but unconfirmed rows (scored again under the same row
 * key, which the monitor counts once).
 */
export class StreamProcessor {
  /** Rows scored by this process but possibly still pending in the store (dropped from it at the entity's next write). */
  private readonly confirmed = new Set<string>();
  readonly stats: ProcessorStats = { batches: 0, applied: 0, duplicates: 0, scored: 0, rescored: 0, dropped: 0, cas_retries: 0, score_refused: 0 };

  constructor(private readonly deps: {
    store: EntityStore;
    lock: KeyedLock;
    spec: SensorWindowSpec;
    historySize: number;
    keysSize: number;
    scorer: Scorer | undefined;
    offlineLog: OfflineLog | undefined;
    clock: () => Date;
  }) {}

  async process(items: StreamItem[]): Promise<Map<string, DeliveryResult>> {
    const answers = new Map<string, DeliveryResult>();
    const byEntity = new Map<string, { entryId: string; reading: Reading }[]>();
    for (const item of items) {
      const parsed = toReading(item.event);
      if ('error' in parsed) {
        rootLogger().warn({ key: item.event.key, stream: item.event.stream, reason: parsed.error }, 'dropping record');
        answers.set(item.entryId, 'DROP');
        this.stats.dropped += 1;
        continue;
      }
      byEntity.set(parsed.entity, [...(byEntity.get(parsed.entity) ?? []), { entryId: item.entryId, reading: parsed.reading }]);
    }
    if (!byEntity.size) return answers;
    const entities = [...byEntity.keys()];
    await this.deps.lock.withKeys(entities, async () => {
      const { pending, fresh } = await this.apply(byEntity);
      if (pending.length) await this.score(pending, fresh);
    });
    this.stats.batches += 1;
    for (const list of byEntity.values()) for (const { entryId } of list) answers.set(entryId, 'SUCCESS');
    return answers;
  }

  /** Applies the readings, compare-and-swap per entity; answers every pending row of the entities. */
  private async apply(byEntity: Map<string, { reading: Reading }[]>): Promise<{ pending: PendingRow[]; fresh: number }> {
    const results = new Map<string, EntityState>();
    let fresh = 0;
    let todo = [...byEntity.keys()];
    for (let round = 0; todo.length; round++) {
      if (round >= MAX_CAS_ROUNDS) throw new Error(`entity states stayed contended: ${todo.slice(0, 5).join(', ')}`);
      if (round > 0) this.stats.cas_retries += todo.length;
      const loaded: Loaded[] = await this.deps.store.load(todo);
      const writes = loaded.map((l) => {
        // Within a delivery, a mote's readings are applied in time order (a stable sort keeps equal times in arrival order).
        const readings = byEntity.get(l.entity)!.map((x) => x.reading).sort((a, b) => a.ts - b.ts);
        const result = applyReadings({
          entity: l.entity, state: l.state, readings, spec: this.deps.spec,
          historySize: this.deps.historySize, keysSize: this.deps.keysSize, confirmed: this.confirmed, now: this.deps.clock(),
        });
        return { state: result.state, etag: l.etag, fresh: result.fresh.length, duplicates: result.duplicates, before: l.state };
      });
      const failed = await this.deps.store.save(writes);
      for (const w of writes) {
        if (failed.has(w.state.entity)) continue;
        results.set(w.state.entity, w.state);
        this.stats.applied += w.fresh;
        fresh += w.fresh;
        this.stats.duplicates += w.duplicates;
        // Confirmed rows that left the stored pending list need not be remembered any more.
        for (const p of w.before?.pending ?? []) if (!w.state.pending.some((q) => q.row_key === p.row_key)) this.confirmed.delete(p.row_key);
      }
      todo = todo.filter((e) => failed.has(e));
    }
    return { pending: [...results.values()].flatMap((s) => s.pending.filter((p) => !this.confirmed.has(p.row_key))), fresh };
  }

  private async score(rows: PendingRow[], fresh: number): Promise<void> {
    const { scorer, offlineLog } = this.deps;
    // The same rows get the same request id, so a re-scored batch is also one prediction event id.
    const id = `features-${createHash('sha256').update(rows.map((r) => r.row_key).join(',')).digest('hex').slice(0, 32)}`;
    if (scorer) {
      try {
        await scorer.score(rows, id);
      } catch (err) {
        // A refusal (the model's inputs are not these features) will not change on a retry: the rows
        // keep their online features, are logged offline, and the stream goes on. Anything else is retried.
        if (!(err instanceof AppError && err.code === 'BAD_REQUEST')) throw err;
        rootLogger().error({ err: err.message, rows: rows.length, model: scorer.model }, 'scoring refused; these rows stay unscored');
        this.stats.score_refused += rows.length;
      }
    }
    if (offlineLog) {
      await offlineLog.append(rows.map((r) => ({
        row_key: r.row_key, entity: r.row_key.slice(0, r.row_key.indexOf('@')), record_key: r.record_key, ts: r.ts, received_at: r.received_at, values: r.values,
        ...(r.label !== undefined ? { label: r.label } : {}),
      })));
    }
    for (const r of rows) this.confirmed.add(r.row_key);
    this.stats.scored += rows.length;
    // Rows applied by an earlier delivery whose score was never confirmed (this process restarted in between).
    this.stats.rescored += rows.length - fresh;
  }
}
