import type { DaprClient } from './dapr-client.ts';
import { AppError } from './errors.ts';

const DEFAULT_ATTEMPTS = 30;

/** What read-modify-write needs of the sidecar's state API (DaprClient, or an in-memory fake in tests). */
export type StatePort = Pick<DaprClient, 'getBulkState' | 'saveManyIfUnchanged'>;

export interface UpdateResult<T> {
  /** Keys written, with the value each had before and the value written. */
  written: Map<string, { before: T | undefined; after: T }>;
  /** Keys the change left as they were. */
  unchanged: Set<string>;
  /** Keys still contended when the attempts ran out: their callers should retry later. */
  failed: Set<string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one compare-and-swap loop: reads the keys in one call, applies
 * `change` to each (return the new value, or undefined to leave the key),
 * writes them back in one call, each only if unchanged since read, and
 * repeats for the keys another writer changed first, with jittered backoff,
 * until every key landed or `attempts` ran out. A key's `change` sees the
 * value it will replace, so it may be called again on a later attempt.
 */
export async function updateMany<T>(o: {
  state: StatePort;
  store: string;
  keys: string[];
  change: (current: T | undefined, key: string) => T | undefined;
  metadata?: (key: string) => Record<string, string> | undefined;
  attempts?: number;
  backoffMs?: number;
}): Promise<UpdateResult<T>> {
  const result: UpdateResult<T> = { written: new Map(), unchanged: new Set(), failed: new Set() };
  let pending = [...new Set(o.keys)];
  const attempts = o.attempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 0; pending.length && attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(Math.random() * (o.backoffMs ?? 5) * Math.min(attempt, 10));
    const current = await o.state.getBulkState<T>({ store: o.store, keys: pending });
    const writes: {
      key: string;
      value: T;
      etag: string | undefined;
      before: T | undefined;
      metadata?: Record<string, string>;
    }[] = [];
    for (const { key, value, etag } of current) {
      const next = o.change(value, key);
      if (next === undefined) result.unchanged.add(key);
      else {
        const metadata = o.metadata?.(key);
        writes.push({ key, value: next, etag, before: value, ...(metadata ? { metadata } : {}) });
      }
    }
    const lost = await o.state.saveManyIfUnchanged({ store: o.store, items: writes });
    for (const w of writes) if (!lost.has(w.key)) result.written.set(w.key, { before: w.before, after: w.value });
    pending = [...lost];
  }
  for (const key of pending) result.failed.add(key);
  return result;
}

/** updateMany for one key: the new value (or undefined when unchanged), or `failed`. */
export async function updateOne<T>(
  o: Omit<Parameters<typeof updateMany<T>>[0], 'keys'> & { key: string },
): Promise<{ written?: { before: T | undefined; after: T }; failed: boolean }> {
  const r = await updateMany<T>({ ...o, keys: [o.key] });
  const written = r.written.get(o.key);
  return { ...(written ? { written } : {}), failed: r.failed.has(o.key) };
}

/**
 * updateOne for callers that cannot go on without the write: the value
 * written (undefined when the change left the key as it was), or an error
 * that says the key stayed contended (503, retry later) when the attempts ran out.
 */
export async function updateOrThrow<T>(
  o: Omit<Parameters<typeof updateMany<T>>[0], 'keys'> & { key: string },
): Promise<{ before: T | undefined; after: T } | undefined> {
  const r = await updateOne<T>(o);
  if (r.failed)
    throw new AppError({
      code: 'UNAVAILABLE',
      message: `state key ${o.key} stayed contended after ${o.attempts ?? DEFAULT_ATTEMPTS} attempts; retry`,
      headers: { 'retry-after': '1' },
    });
  return r.written;
}
