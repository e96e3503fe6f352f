import type { PipelineReport, PredictionEvent } from '@meridian/contracts';
import { parseStreamRowKey } from '@meridian/ml';
import { KeyedLock, rootLogger, updateMany, updateOne } from '@meridian/service-kit';
import { bucketOf, lagSummary, mergeBuckets } from './lag-histogram.ts';
import type { StateStore } from './ports.ts';

const ledgerKey = (entity: string) => `pipeline:${entity}`;
const INDEX_KEY = 'pipeline-entities';

/** One entity's rows: per state epoch, every seq up to `upto` plus the ones in `above` were counted. */
export interface EntityLedger {
  entity: string;
  partitions: Record<string, { upto: number; above: number[] }>;
  rows: number;
  repeats: number;
  lag: Record<string, number>;
  max_lag_ms: number;
}

type Row = { epoch: string; seq: number; lagMs: number };

/** Where `seq` is, or would be inserted, in the ascending `above`. */
function position(above: readonly number[], seq: number): number {
  let lo = 0;
  let hi = above.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (above[mid]! < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Adds rows to a ledger; a row already counted is a repeat. Pure, so the same input always gives the same ledger. */
export function addRows(ledger: EntityLedger | undefined, entity: string, rows: Row[]): EntityLedger {
  const next: EntityLedger = ledger
    ? {
        ...ledger,
        partitions: Object.fromEntries(
          Object.entries(ledger.partitions).map(([k, p]) => [k, { upto: p.upto, above: [...p.above] }]),
        ),
        lag: { ...ledger.lag },
      }
    : { entity, partitions: {}, rows: 0, repeats: 0, lag: {}, max_lag_ms: 0 };
  for (const r of rows) {
    next.partitions[r.epoch] ??= { upto: 0, above: [] };
    const p = next.partitions[r.epoch]!;
    // Rows past a gap wait in `above`, kept in order: found and placed by binary search, since a gap
    // that stays open (a row scored late) can leave thousands there.
    const at = position(p.above, r.seq);
    if (r.seq <= p.upto || p.above[at] === r.seq) {
      next.repeats += 1;
      continue;
    }
    p.above.splice(at, 0, r.seq);
    let closed = 0;
    while (p.above[closed] === p.upto + 1) {
      p.upto += 1;
      closed += 1;
    }
    if (closed) p.above.splice(0, closed);
    next.rows += 1;
    const b = `${bucketOf(r.lagMs)}`;
    next.lag[b] = (next.lag[b] ?? 0) + 1;
    next.max_lag_ms = Math.max(next.max_lag_ms, r.lagMs);
  }
  return next;
}

export function summarise(ledgers: readonly EntityLedger[]): PipelineReport {
  const buckets = new Map<number, number>();
  let rows = 0;
  let repeats = 0;
  let max = 0;
  for (const l of ledgers) {
    rows += l.rows;
    repeats += l.repeats;
    max = Math.max(max, l.max_lag_ms);
    mergeBuckets(buckets, l.lag);
  }
  return { entities: ledgers.length, rows, repeats, lag_ms: lagSummary({ buckets, count: rows, max }) };
}

/**
 * The end-to-end account of stream rows: prediction events that carry
 * `records` (streaming scoring by the features app) are counted per row,
 * each sequenced row key once, with the lag from ingestion to here. The
 * count and the dedupe live in one key per entity (compare-and-swap), so a
 * redelivered or re-scored row is recognised on every store.
 */
export class PipelineLedger {
  private readonly lock = new KeyedLock();
  private readonly known = new Set<string>();

  constructor(private readonly opts: { state: StateStore; store: string; clock?: () => number }) {}

  /**
   * Counts the stream rows of a batch of events, one write per entity; answers
   * the ids of events to retry (their entity's ledger or the entity index
   * stayed contended). A retried row is recognised and counted once.
   */
  async record(events: readonly PredictionEvent[]): Promise<Set<string>> {
    const now = (this.opts.clock ?? Date.now)();
    const byEntity = new Map<string, { rows: Row[]; ids: Set<string> }>();
    for (const event of events) {
      event.records?.keys.forEach((key, i) => {
        const parsed = parseStreamRowKey(key);
        if (!parsed) return;
        const entry = byEntity.get(parsed.entity) ?? { rows: [], ids: new Set<string>() };
        entry.rows.push({
          epoch: parsed.epoch,
          seq: parsed.seq,
          lagMs: Math.max(0, now - (event.records!.received_at[i] ?? now)),
        });
        entry.ids.add(event.id);
        byEntity.set(parsed.entity, entry);
      });
    }
    const entities = [...byEntity.keys()];
    if (!entities.length) return new Set();
    return this.lock.withKeys(entities, async () => {
      const { state, store } = this.opts;
      const entityOf = new Map(entities.map((e) => [ledgerKey(e), e]));
      const counted = await updateMany<EntityLedger>({
        state,
        store,
        keys: [...entityOf.keys()],
        change: (current, key) => addRows(current, entityOf.get(key)!, byEntity.get(entityOf.get(key)!)!.rows),
      });
      const behind = new Set([
        ...entities.filter((e) => counted.failed.has(ledgerKey(e))),
        ...(await this.index(entities)),
      ]);
      if (!behind.size) return new Set<string>();
      rootLogger().warn(
        { entities: [...behind].slice(0, 5), of: behind.size },
        'pipeline ledgers stayed contended; their events are retried',
      );
      return new Set([...behind].flatMap((e) => [...byEntity.get(e)!.ids]));
    });
  }

  /** Adds new entities to the list the report reads (one key, compare-and-swap); answers those it could not add. */
  private async index(entities: string[]): Promise<string[]> {
    const missing = entities.filter((e) => !this.known.has(e));
    if (!missing.length) return [];
    const { failed } = await updateOne<string[]>({
      state: this.opts.state,
      store: this.opts.store,
      key: INDEX_KEY,
      change: (list = []) => {
        const add = missing.filter((e) => !list.includes(e));
        return add.length ? [...list, ...add] : undefined;
      },
    });
    if (failed) return missing;
    for (const e of missing) this.known.add(e);
    return [];
  }

  async report(entities?: string[]): Promise<PipelineReport> {
    const { state, store } = this.opts;
    const list = entities ?? (await state.getState<string[]>({ store, key: INDEX_KEY })).value ?? [];
    if (!list.length) return summarise([]);
    const got = await state.getBulkState<EntityLedger>({ store, keys: list.map(ledgerKey) });
    return summarise(got.flatMap((g) => (g.value ? [g.value] : [])));
  }
}
