import type { StatePort } from '@meridian/service-kit';

export interface StateItem {
  key: string;
  value: unknown;
  etag?: string | undefined;
  metadata?: Record<string, string>;
}

/**
 * The sidecar's state API as the monitor uses it: DaprClient in production,
 * testkit's MemoryStateStore in tests. `StatePort` is what service-kit's
 * compare-and-swap loop (updateMany, updateOne, updateOrThrow) needs of it.
 */
export interface StateStore extends StatePort {
  getState<T>(o: { store: string; key: string }): Promise<{ value: T | undefined; etag: string | undefined }>;
  /** Last write wins. */
  saveState(o: { store: string; items: StateItem[] }): Promise<void>;
  /** Last write wins, every item in one commit (a state transaction). */
  commitState(o: { store: string; items: StateItem[] }): Promise<void>;
  deleteState(o: { store: string; key: string }): Promise<void>;
  /** Insert-only without an etag: false when another writer got there first. */
  saveIfUnchanged(o: { store: string } & StateItem): Promise<boolean>;
}

/** The broker the monitor's alerts go out on. */
export interface EventPublisher {
  publish(o: { topic: string; data: unknown }): Promise<void>;
}

/** The registry as monitoring needs it (References in production, a map in tests). */
export interface ModelCards {
  /** The card a version was registered with; undefined when the registry does not know the version. */
  card(model: string, version: string): Promise<Record<string, unknown> | undefined>;
  /** The version to report on before any row arrived (production, else the latest); undefined when the registry does not know the model. */
  currentVersion(model: string): Promise<string | undefined>;
  /** The production version, if the registry has one (and answers). */
  production(model: string): Promise<string | undefined>;
}
