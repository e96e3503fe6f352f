import type {
  Alert,
  AuditEntry,
  AuditListedEntry,
  AuditOutcome,
  PredictionCounts,
  RunStatus,
} from '@meridian/contracts';

/**
 * Counters shared by all gateway replicas, one per (route class, subject,
 * window start). The limiter never waits on it to decide a request: it adds
 * its local counts in the background and learns the shared total back.
 */
export interface CounterStore {
  /**
   * Adds `delta` (0 only reads) to the counter at `key`, which may expire
   * `ttlSeconds` after this write, and answers the shared total including it.
   * Throws when the store is unreachable or stays contended.
   */
  add(o: { key: string; delta: number; ttlSeconds: number }): Promise<number>;
}

/** The audit log's records: first-write keys (nothing is overwritten) and one index of entry ids per UTC day. */
export interface AuditStore {
  /**
   * Writes the entry unless its id is taken (then 'exists'), and makes sure
   * its day's index lists it, so a retried call never duplicates and still
   * completes an index append that failed the first time.
   */
  appendEntry(entry: AuditEntry): Promise<'written' | 'exists'>;
  /** Writes the outcome of an entry unless one is already written. */
  appendOutcome(outcome: AuditOutcome): Promise<'written' | 'exists'>;
  /** The entry ids indexed under each UTC day (YYYY-MM-DD), in the order they were appended. */
  indexes(days: string[]): Promise<Map<string, string[]>>;
  /** The entries with their outcomes (null while pending); ids without an entry are skipped. */
  read(ids: string[]): Promise<AuditListedEntry[]>;
}

/**
 * Masks personal data in a value before it is stored (the audit summary).
 * service-kit's PII masker plugs in here; the default keeps values as they are.
 */
export type Mask = (value: unknown) => unknown;

export const identityMask: Mask = (value) => value;

/** What the live event stream watches, read from the apps as the gateway itself (one shared poller, never per client). */
export interface EventSources {
  /** The monitor's alerts. */
  alerts(): Promise<Alert[]>;
  /** Predictions logged by the monitor, in all and per model. */
  predictions(): Promise<PredictionCounts>;
  /** The latest training runs, newest first. */
  runs(): Promise<RunStatus[]>;
}
