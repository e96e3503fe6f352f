import type { PipelineReport, PredictionEvent } from '@meridian/contracts';
import { parseStreamRowKey } from '@meridian/ml';
import { KeyedLock, type DaprClient } from '@meridian/service-kit';

const ledgerKey = (entity: string) => `pipeline:${entity}`;
const INDEX_KEY = 'pipeline-entities';
const MAX_ROUNDS = 30;

/** Lag histogram buckets: bucket i holds lags below 1.1^i ms (about 10 % resolution up to hours). */
const bucketOf = (ms: number) => Math.max(0, Math.ceil(Math.log(Math.max(ms, 1)) / Math.log(1.1)));
const bucketUpper = (i: number) => 1.1 ** i;

/** One entity's rows: per state epoch, every seq up to `upto` plus the ones in `above` were counted. */
export interface EntityLedger {
  entity: string;
  partitions: Record<string, { upto: number; above: number[] }>;
  rows: number;
  repeats: number;
  lag: Record<string, number>;
  max_lag_ms: number;
}

/** Adds rows to a ledger; a row already counted is a repeat. Pure, so the same input always gives the same ledger. */
export function addRows(ledger: EntityLedger | undefined, entity: string, rows: { epoch: string; seq: number; lagMs: number }[]): EntityLedger {
  const next: EntityLedger = ledger
    ? { ...ledger, partitions: Object.fromEntries(Object.entries(ledger.partitions).map(([k, p]) => [k, { upto: p.upto, above: [...p.above] }])), lag: { ...ledger.lag } }
    : { entity, partitions: {}, rows: 0, repeats: 0, lag: {}, max_lag_ms: 0 };
  for (const r of rows) {
    const p = (next.partitions[r.epoch] ??= { upto: 0, above: [] });
    if (r.seq <= p.upto || p.above.includes(r.seq)) {
      next.repeats += 1;
      continue;
    }
    p.above.push(r.seq);
    p.above.sort((a, b) => a - b);
    while (p.above[0] === p.upto + 1) {
      p.upto += 1;
      p.above.shift();
    }
    next.rows += 1;
    const b = `${bucketOf(r.lagMs)}`;
    next.lag[b] = (next.lag[b] ?? 0) + 1;
    next.max_lag_ms = Math.max(next.max_lag_ms, r.lagMs);
  }
  return next;
}

export function summarise(ledgers: readonly EntityLedger[]): PipelineReport {
  const lag = new Map<number, number>();
  let rows = 0;
  let repeats = 0;
  let max = 0;
  for (const l of ledgers) {
    rows += l.rows;
    repeats += l.repeats;
    max = Math.max(max, l.max_lag_ms);
    for (const [b, n] of Object.entries(l.lag)) lag.set(Number(b), (lag.get(Number(b)) ?? 0) + n);
  }
  const quantile = (q: number): number | null => {
    if (!rows) return null;
    const target = q * rows;
    let seen = 0;
    for (const [b, n] of [...lag].sort(([a], [c]) => a - c)) {
      seen += n;
      if (seen >= target) return Math.min(Math.round(bucketUpper(b) * 10) / 10, max);
    }
    return max;
  };
  return { entities: ledgers.length, rows, repeats, lag_ms: { p50: quantile(0.5), p99: quantile(0.99), max: rows ? max : null } };
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

  constructor(private readonly opts: { dapr: DaprClient; store: string; clock?: () => number }) {}

  /** Counts the stream rows of a batch of events, one write per entity. */
  async record(events: readonly PredictionEvent[]): Promise<void> {
    const now = (this.opts.clock ?? Date.now)();
    const byEntity = new Map<string, { epoch: string; seq: number; lagMs: number }[]>();
    for (const event of events) {
      event.records?.keys.forEach((key, i) => {
        const parsed = parseStreamRowKey(key);
        if (!parsed) return;
        const list = byEntity.get(parsed.entity) ?? [];
        list.push({ epoch: parsed.epoch, seq: parsed.seq, lagMs: Math.max(0, now - (event.records!.received_at[i] ?? now)) });
        byEntity.set(parsed.entity, list);
      });
    }
    const entities = [...byEntity.keys()];
    if (!entities.length) return;
    await this.lock.withKeys(entities, async () => {
      const { dapr, store } = this.opts;
      let todo = entities;
      for (let round = 0; todo.length; round++) {
        if (round >= MAX_ROUNDS) throw new Error(`pipeline ledgers stayed contended: ${todo.slice(0, 5).join(', ')}`);
        const current = await dapr.getBulkState<EntityLedger>({ store, keys: todo.map(ledgerKey) });
        const byKey = new Map(current.map((c) => [c.key, c]));
        const items = todo.map((entity) => {
          const c = byKey.get(ledgerKey(entity));
          return { key: ledgerKey(entity), value: addRows(c?.value, entity, byEntity.get(entity)!), etag: c?.value === undefined ? undefined : c.etag };
        });
        const failed = await dapr.saveManyIfUnchanged({ store, items });
        todo = todo.filter((e) => failed.has(ledgerKey(e)));
      }
      await this.index(entities);
    });
  }

  /** The entity list the report reads; kept in one key, extended compare-and-swap. */
  private async index(entities: string[]): Promise<void> {
    const missing = entities.filter((e) => !this.known.has(e));
    if (!missing.length) return;
    const { dapr, store } = this.opts;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await dapr.getState<string[]>({ store, key: INDEX_KEY });
      const list = current.value ?? [];
      const add = missing.filter((e) => !list.includes(e));
      if (!add.length || await dapr.saveIfUnchanged({ store, key: INDEX_KEY, value: [...list, ...add], etag: current.etag })) {
        for (const e of missing) this.known.add(e);
        return;
      }
    }
    throw new Error('pipeline entity index stayed contended');
  }

  async report(entities?: string[]): Promise<PipelineReport> {
    const { dapr, store } = this.opts;
    const list = entities ?? (await dapr.getState<string[]>({ store, key: INDEX_KEY })).value ?? [];
    if (!list.length) return summarise([]);
    const got = await dapr.getBulkState<EntityLedger>({ store, keys: list.map(ledgerKey) });
    return summarise(got.flatMap((g) => (g.value ? [g.value] : [])));
  }
}
