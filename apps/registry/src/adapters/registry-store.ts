import { updateOrThrow, type DaprClient } from '@meridian/service-kit';
import type { ModelIndex, StoredVersion } from '../domain/model-index.ts';
import type { Catalogue, Change, RegistryRecords } from '../domain/ports.ts';

export type StateBackend = Pick<DaprClient, 'getState' | 'getBulkState' | 'saveIfUnchanged' | 'saveManyIfUnchanged'>;

const keys = {
  index: (name: string) => `model:${name}`,
  version: (name: string, version: string) => `model:${name}:version:${version}`,
  catalogue: 'models',
};

/** About the registry's own backoff before it moved to updateOrThrow (2–100 ms, growing). */
const BACKOFF_MS = 10;

/**
 * The registry's records in the `statestore` component. Every write is one
 * key through the save API (the transaction API's Redis store ignores
 * first-write): with the ETag it was read with, or insert-only when it was
 * absent. One key at a time: two registrations reading the same index in
 * the same millisecond write identical ones, and only a refusal per key
 * tells which of them landed.
 */
export class RegistryStore implements RegistryRecords {
  constructor(private readonly opts: { state: StateBackend; store: string }) {}

  private async get<T>(key: string): Promise<T | undefined> {
    return (await this.opts.state.getState<T>({ store: this.opts.store, key })).value;
  }

  private update<T>(o: { key: string; change: Change<T> }): Promise<{ after: T } | undefined> {
    return updateOrThrow<T>({
      state: this.opts.state,
      store: this.opts.store,
      key: o.key,
      change: (current) => o.change(current),
      backoffMs: BACKOFF_MS,
    });
  }

  index(name: string): Promise<ModelIndex | undefined> {
    return this.get(keys.index(name));
  }

  version(o: { name: string; version: string }): Promise<StoredVersion | undefined> {
    return this.get(keys.version(o.name, o.version));
  }

  catalogue(): Promise<Catalogue | undefined> {
    return this.get(keys.catalogue);
  }

  insertVersion(value: StoredVersion): Promise<boolean> {
    return this.opts.state.saveIfUnchanged({
      store: this.opts.store,
      key: keys.version(value.name, value.version),
      value,
    });
  }

  async updateIndex(o: { name: string; change: Change<ModelIndex> }): Promise<ModelIndex | undefined> {
    return (await this.update({ key: keys.index(o.name), change: o.change }))?.after;
  }

  async updateCatalogue(change: Change<Catalogue>): Promise<void> {
    await this.update({ key: keys.catalogue, change });
  }
}
