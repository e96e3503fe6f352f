import type { ModelLifecycleEvent } from '@meridian/contracts';
import type { ModelIndex, StoredVersion } from './model-index.ts';

/** The names of every model, for listing (Postgres v2 has no state query API). */
export interface Catalogue {
  names: string[];
}

/**
 * A record changed by read-change-write: `change` gets what is stored
 * (undefined: nothing yet) and answers what to write, or undefined to leave
 * it. It runs again on a fresh read when another writer got there first, so
 * it must not have effects; it may throw to refuse the change.
 */
export type Change<T> = (current: T | undefined) => T | undefined;

/**
 * The registry's records, each under its own key. Updates never overwrite
 * what another request committed in between: they retry on what it wrote,
 * and throw 503 naming the key when it stayed contended.
 */
export interface RegistryRecords {
  index(name: string): Promise<ModelIndex | undefined>;
  version(o: { name: string; version: string }): Promise<StoredVersion | undefined>;
  catalogue(): Promise<Catalogue | undefined>;
  /** Insert-only: false when that version is already stored. */
  insertVersion(value: StoredVersion): Promise<boolean>;
  /** Answers the index written, or undefined when `change` left it as it was. */
  updateIndex(o: { name: string; change: Change<ModelIndex> }): Promise<ModelIndex | undefined>;
  updateCatalogue(change: Change<Catalogue>): Promise<void>;
}

/** Where artifact bytes live (the `artifacts` binding in production, a Map in tests). */
export interface ArtifactStore {
  put(o: { path: string; bytes: Uint8Array }): Promise<void>;
  get(path: string): Promise<Buffer | undefined>;
  remove(path: string): Promise<void>;
}

/** Model-lifecycle events, published after the change they describe committed. */
export interface LifecycleEvents {
  publish(events: ModelLifecycleEvent[]): Promise<void>;
}
