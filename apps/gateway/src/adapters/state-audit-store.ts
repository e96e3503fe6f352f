import { AuditEntry, AuditOutcome, type AuditListedEntry } from '@meridian/contracts';
import { AppError, chunksOf, rootLogger, updateOne, type DaprClient } from '@meridian/service-kit';
import type { AuditStore } from '../domain/ports.ts';

export type AuditStateApi = Pick<DaprClient, 'getState' | 'getBulkState' | 'saveIfUnchanged' | 'saveManyIfUnchanged'>;

interface DayIndex {
  ids: string[];
}

const entryKey = (id: string) => `audit:entry:${id}`;
const outcomeKey = (id: string) => `audit:outcome:${id}`;
const indexKey = (day: string) => `audit:index:${day}`;
const BULK = 500;

/**
 * The audit log in the gateway sidecar's state store (Dapr prefixes keys with
 * the app id, so no other app can write them): one first-write key per entry
 * and per outcome, never overwritten, and one index of entry ids per UTC day,
 * appended to with compare-and-swap.
 */
export class StateAuditStore implements AuditStore {
  constructor(
    private readonly opts: { dapr: AuditStateApi; store: string; maxAttempts?: number; backoffMs?: number },
  ) {}

  async appendEntry(entry: AuditEntry): Promise<'written' | 'exists'> {
    const { dapr, store } = this.opts;
    const written = await dapr.saveIfUnchanged({ store, key: entryKey(entry.id), value: entry });
    // A retried call re-indexes under the stored entry's day: the first try may have failed between the two writes.
    const at = written
      ? entry.at
      : ((await dapr.getState<AuditEntry>({ store, key: entryKey(entry.id) })).value?.at ?? entry.at);
    await this.index({ day: at.slice(0, 10), id: entry.id });
    return written ? 'written' : 'exists';
  }

  async appendOutcome(outcome: AuditOutcome): Promise<'written' | 'exists'> {
    const written = await this.opts.dapr.saveIfUnchanged({
      store: this.opts.store,
      key: outcomeKey(outcome.entry_id),
      value: outcome,
    });
    return written ? 'written' : 'exists';
  }

  async indexes(days: string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    if (!days.length) return found;
    const items = await this.opts.dapr.getBulkState<DayIndex>({ store: this.opts.store, keys: days.map(indexKey) });
    const byKey = new Map(items.map((item) => [item.key, item.value?.ids]));
    for (const day of days) {
      const ids = byKey.get(indexKey(day));
      if (Array.isArray(ids))
        found.set(
          day,
          ids.filter((id): id is string => typeof id === 'string'),
        );
    }
    return found;
  }

  async read(ids: string[]): Promise<AuditListedEntry[]> {
    const out: AuditListedEntry[] = [];
    for (const chunk of chunksOf(ids, BULK)) {
      const items = await this.opts.dapr.getBulkState<unknown>({
        store: this.opts.store,
        keys: chunk.flatMap((id) => [entryKey(id), outcomeKey(id)]),
      });
      const byKey = new Map(items.map((item) => [item.key, item.value]));
      for (const id of chunk) {
        const entry = AuditEntry.safeParse(byKey.get(entryKey(id)));
        if (!entry.success) {
          if (byKey.get(entryKey(id)) !== undefined)
            rootLogger().warn({ audit_id: id }, 'audit log: stored entry does not match the schema; skipped');
          continue;
        }
        const outcome = AuditOutcome.safeParse(byKey.get(outcomeKey(id)));
        out.push({ ...entry.data, outcome: outcome.success ? outcome.data : null });
      }
    }
    return out;
  }

  /** Appends an id to its day's index unless it is there already. */
  private async index(o: { day: string; id: string }): Promise<void> {
    const attempts = this.opts.maxAttempts ?? 10;
    const result = await updateOne<DayIndex>({
      state: this.opts.dapr,
      store: this.opts.store,
      key: indexKey(o.day),
      attempts,
      backoffMs: this.opts.backoffMs ?? 10,
      change: (current) => {
        const ids = Array.isArray(current?.ids) ? current.ids : [];
        return ids.includes(o.id) ? undefined : { ids: [...ids, o.id] };
      },
    });
    // The caller retries the whole append: the entry is first-write, so a retry only completes the index.
    if (result.failed)
      throw new AppError({
        code: 'UNAVAILABLE',
        message: `audit index ${o.day}: still contended after ${attempts} attempts`,
      });
  }
}
