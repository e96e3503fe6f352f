import type { IngestedRecord, IngestedRecordsEvent, OfflineFeatureRow } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { MemoryStateStore } from '@meridian/testkit';
import { EntityStore, type EntityStateApi } from '../adapters/entity-store.ts';
import type { PendingRow } from '../domain/mote-state.ts';
import type { FeatureLog, RowScorer } from '../domain/ports.ts';

/**
 * The entity-state port over the real adapter and a memory state store (share one store between
 * processors for replicas); `ttlSeconds` as FEATURE_TTL_SECONDS would set it.
 */
export function memoryEntityStore(
  state: EntityStateApi = new MemoryStateStore(),
  o: { ttlSeconds?: number } = {},
): EntityStore {
  return new EntityStore({ dapr: state, store: 'statestore', ttlSeconds: o.ttlSeconds ?? 3600, backoffMs: 0 });
}

/** A store where another writer always changes one entity's state first. */
export function contendedOn(state: MemoryStateStore, entity: string): EntityStateApi {
  const key = `features:sensor:${entity}`;
  return {
    getState: (o) => state.getState(o),
    getBulkState: (o) => state.getBulkState(o),
    async saveManyIfUnchanged(o) {
      const lost = await state.saveManyIfUnchanged({ ...o, items: o.items.filter((i) => i.key !== key) });
      return new Set([...lost, ...o.items.filter((i) => i.key === key).map((i) => i.key)]);
    },
  };
}

/** Records the rows of every call; `failNext` makes the next call fail as inference would when down or refusing. */
export class RecordingScorer implements RowScorer {
  readonly calls: { id: string; rows: string[] }[] = [];
  readonly model = 'm';
  failNext: 'none' | 'unavailable' | 'refused' = 'none';
  /** The call with this number (the first is 1) fails as inference down does. */
  failCall?: number;
  /** Awaited before each answer, when set. */
  answerAfter?: () => Promise<void>;
  private made = 0;

  async score(rows: PendingRow[], id: string): Promise<number[]> {
    this.made += 1;
    const mode = this.made === this.failCall ? 'unavailable' : this.failNext;
    this.failNext = 'none';
    await this.answerAfter?.();
    if (mode === 'unavailable') throw new AppError({ code: 'BAD_GATEWAY', message: 'inference down' });
    if (mode === 'refused') throw new AppError({ code: 'BAD_REQUEST', message: 'no such input' });
    this.calls.push({ id, rows: rows.map((r) => r.row_key) });
    return rows.map(() => 0);
  }
}

/** The offline log in memory, read back as the real one is: one row per row key, ordered by entity and time. */
export class MemoryFeatureLog implements FeatureLog {
  readonly appended: Omit<OfflineFeatureRow, 'names'>[] = [];
  /** The next append fails (the artifacts binding is down), once. */
  failNext = false;
  private waiting: (() => void)[] = [];

  constructor(private readonly names: string[] = ['humidity', 'temperature']) {}

  async append(rows: Omit<OfflineFeatureRow, 'names'>[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new AppError({ code: 'BAD_GATEWAY', message: 'artifacts binding down' });
    }
    this.appended.push(...rows);
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Resolves once rows have been appended (at once if some were). */
  someAppended(): Promise<void> {
    return this.appended.length ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }

  async read(o: { from: string; to: string; entity?: string }): Promise<OfflineFeatureRow[]> {
    const day = (r: { received_at: number }) => new Date(r.received_at).toISOString().slice(0, 10);
    const rows = new Map(
      this.appended
        .filter((r) => day(r) >= o.from && day(r) <= o.to && (o.entity === undefined || r.entity === o.entity))
        .map((r) => [r.row_key, { ...r, names: this.names }]),
    );
    return [...rows.values()].sort((a, b) => a.entity.localeCompare(b.entity) || a.ts - b.ts);
  }
}

export { MemoryStateStore } from '@meridian/testkit';

/** Reading `i` of a mote as ingestion publishes it (key and record): at time 1,000 × i. */
export const readingRecord = (mote: number, i: number): IngestedRecord => ({
  key: `k-${mote}-${i}`,
  record: { mote_id: mote, humidity: 40 + i, temperature: 20 + i, ts: 1_000 * i },
});

/** An event carrying the given records, as ingestion publishes them. */
export const readingsEvent = (...records: IngestedRecord[]): IngestedRecordsEvent => ({
  stream: 'sensor-readings',
  received_at: new Date(1_000).toISOString(),
  records,
});
