import { AppError, type DaprClient } from '@meridian/service-kit';
import type { ModelIndex, StoredVersion } from '../domain/model-index.ts';

/** What was read, with the ETag to write it back with. */
export interface Snapshot<T> {
  value: T | undefined;
  etag: string | undefined;
}

/** The names of every model, for listing (Postgres v2 has no state query API). */
export interface Catalogue {
  names: string[];
}

/**
 * One guarded write: with the ETag it was read with, or, for a record read
 * as absent (no ETag), insert-only. It never overwrites what another
 * request committed in between; it fails instead.
 */
export type Write =
  | { kind: 'index'; value: ModelIndex; etag: string | undefined }
  | { kind: 'version'; value: StoredVersion; etag: undefined }
  | { kind: 'catalogue'; value: Catalogue; etag: string | undefined };

export type StateBackend = Pick<DaprClient, 'getState' | 'transact'>;

const keys = {
  index: (name: string) => `model:${name}`,
  version: (name: string, version: string) => `model:${name}:version:${version}`,
  catalogue: 'models',
};

function keyOf(w: Write): string {
  if (w.kind === 'index') return keys.index(w.value.name);
  if (w.kind === 'version') return keys.version(w.value.name, w.value.version);
  return keys.catalogue;
}

/**
 * The registry's records in the `statestore` component. Each write touches
 * one key: Redis runs a multi-key Dapr transaction without rollback, so a
 * losing ETag would still leave its other writes behind.
 */
export class RegistryStore {
  constructor(private readonly opts: { state: StateBackend; store: string }) {}

  private get<T>(key: string): Promise<Snapshot<T>> {
    return this.opts.state.getState<T>({ store: this.opts.store, key });
  }

  index(name: string): Promise<Snapshot<ModelIndex>> {
    return this.get(keys.index(name));
  }

  version(name: string, version: string): Promise<Snapshot<StoredVersion>> {
    return this.get(keys.version(name, version));
  }

  catalogue(): Promise<Snapshot<Catalogue>> {
    return this.get(keys.catalogue);
  }

  /** False when the ETag no longer matches, or an insert-only key exists. */
  async write(w: Write): Promise<boolean> {
    const request = { key: keyOf(w), value: w.value, ...(w.etag ? { etag: w.etag } : {}), options: { concurrency: 'first-write' as const } };
    try {
      return await this.opts.state.transact({ store: this.opts.store, operations: [{ operation: 'upsert', request }] });
    } catch (err) {
      // PostgreSQL words a failed insert-only write (the key exists) as "no item was updated", not as an ETag error.
      if (err instanceof AppError && /no item was updated/i.test(err.message)) return false;
      throw err;
    }
  }
}
