import { randomUUID } from 'node:crypto';
import type { StateOperation } from '@meridian/service-kit';
import type { StateBackend } from '../adapters/registry-store.ts';

/**
 * A state store with Dapr's ETag rules, for unit tests: an upsert with an
 * ETag needs it to match; first-write without one needs the key absent; a
 * transaction applies all or nothing. Every call yields to the event loop
 * first, so concurrent callers interleave as they would over HTTP.
 */
export class MemoryState implements StateBackend {
  readonly items = new Map<string, { value: string; etag: string }>();
  commits = 0;
  conflicts = 0;

  async getState<T>(o: { store: string; key: string }): Promise<{ value: T | undefined; etag: string | undefined }> {
    await new Promise((r) => setImmediate(r));
    const item = this.items.get(o.key);
    return item ? { value: JSON.parse(item.value) as T, etag: item.etag } : { value: undefined, etag: undefined };
  }

  async transact(o: { store: string; operations: StateOperation[] }): Promise<boolean> {
    await new Promise((r) => setImmediate(r));
    const ok = o.operations.every(({ operation, request }) => {
      const item = this.items.get(request.key);
      if (request.etag) return item?.etag === request.etag;
      const firstWrite = operation === 'upsert' && request.options?.concurrency === 'first-write';
      return !(firstWrite && item);
    });
    if (!ok) {
      this.conflicts++;
      return false;
    }
    for (const { operation, request } of o.operations) {
      if (operation === 'delete') this.items.delete(request.key);
      else this.items.set(request.key, { value: JSON.stringify(request.value), etag: randomUUID() });
    }
    this.commits++;
    return true;
  }
}
