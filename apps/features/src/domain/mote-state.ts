import { hash } from 'node:crypto';
import { streamRowKey, windowFeatures, type SensorWindowSpec } from '@meridian/ml';

/** A reading as the features app keeps it. */
export interface Reading {
  /** The ingestion idempotency key: the same record always has the same key. */
  key: string;
  /** The reading's own timestamp (epoch ms). */
  ts: number;
  humidity: number;
  temperature: number;
  /** When ingestion took the record in (epoch ms): the start of end-to-end lag. */
  received_at: number;
  label?: 0 | 1;
}

/** A reading applied to the state but not yet known to be scored. */
export interface PendingRow {
  row_key: string;
  record_key: string;
  ts: number;
  received_at: number;
  values: number[];
  label?: 0 | 1;
}

/** What a window needs of a past reading: its time and its two channels. */
export interface HistoryPoint {
  ts: number;
  humidity: number;
  temperature: number;
}

/**
 * Everything the features app keeps for one entity, in one state key: a
 * change is one compare-and-swap, so the dedupe keys, the window and the
 * counter always agree, on every store.
 */
export interface EntityState {
  entity: string;
  /** When this state was created (epoch ms); with `seq` it names rows uniquely even after the TTL expired a state. */
  epoch: number;
  /** Readings applied in this epoch. */
  seq: number;
  /** The latest readings in time order, oldest first (at most the history size). */
  history: HistoryPoint[];
  /**
   * Digests (keyDigest) of the idempotency keys of the latest applied readings (bounded), oldest
   * first, packed into one string of 11-character digests: a redelivery is recognised.
   */
  digests: string;
  /** An earlier version's form of `digests`: an array of keys or digests. Read, never written. */
  keys?: string[];
  /** Applied rows waiting for their score to be confirmed; re-scored after a crash (the monitor dedupes on row_key). */
  pending: PendingRow[];
  updated_at: string;
}

/**
 * A row's key: the monitor counts stream rows by it, and tells a mote's warm-up rows (its first
 * `window` readings in an epoch, whose windows were short) from the rest by its sequence number.
 */
export const rowKey = streamRowKey;

export interface ApplyResult {
  state: EntityState;
  /** Rows applied now, in order. */
  fresh: PendingRow[];
  duplicates: number;
}

const DIGEST_CHARS = 11;
const DIGEST = /^[A-Za-z0-9_-]{11}$/;

/**
 * What an entity keeps of a record key to recognise its redelivery: 64 bits of its sha256, in
 * base64url (11 characters, against 71 for a content key). The state is read and written whole on
 * every delivery, and 2,000 whole keys made it about 150 KB. Two keys of one entity share a digest
 * with odds near 2,000² / 2⁶⁵ (10⁻¹³). A record key always holds a ':' (`id:…`, `sha256:…`), so
 * a whole key stored by an earlier version is told from a digest, and read as its digest.
 */
export function keyDigest(key: string): string {
  return DIGEST.test(key) ? key : hash('sha256', key, 'base64url').slice(0, DIGEST_CHARS);
}

/**
 * Whether `digest` is one of the digests packed in `packed`. The digests are one string rather
 * than an array of strings because the state is parsed on every delivery: one string of 2,000
 * digests parses and searches in a fraction of the time 2,000 strings, a Set and a test each took.
 * A match counts only where a digest starts, never across two.
 */
export function hasDigest(packed: string, digest: string): boolean {
  for (let at = packed.indexOf(digest); at !== -1; at = packed.indexOf(digest, at + 1))
    if (at % DIGEST_CHARS === 0) return true;
  return false;
}

/** Lookups that scan the packed digests before a set of them is built (it costs about as much as 14 scans of 2,000). */
const SCANS_BEFORE_SET = 8;

/**
 * Looks digests up in the packed string: a scan each for the first few (a scan of 2,000 digests
 * takes about 25 µs), then in a set of all of them, built once. A delivery that brings a mote
 * hundreds of readings at or before its newest (batches sent side by side arrive out of order)
 * asks once per reading.
 */
class DigestLookup {
  private asked = 0;
  private set: Set<string> | undefined;

  constructor(private readonly packed: string) {}

  has(digest: string): boolean {
    if (this.set) return this.set.has(digest);
    this.asked += 1;
    if (this.asked <= SCANS_BEFORE_SET) return hasDigest(this.packed, digest);
    this.set = new Set();
    for (let at = 0; at + DIGEST_CHARS <= this.packed.length; at += DIGEST_CHARS)
      this.set.add(this.packed.slice(at, at + DIGEST_CHARS));
    return this.set.has(digest);
  }
}

/** A stored state's digests, packed; a state written before they were packed has `keys` instead. */
function storedDigests(state: { digests?: string; keys?: string[] }): string {
  return state.digests ?? (state.keys ?? []).map(keyDigest).join('');
}

/**
 * Applies readings (already in the order they should be applied) to an
 * entity's state. A reading whose key was applied before is a duplicate and
 * changes nothing. Each fresh reading is scored against the readings before
 * it, with the same packages/ml function training uses (windowFeatures).
 * Rows in `confirmed` were scored and leave the pending list.
 */
export function applyReadings(o: {
  entity: string;
  state: EntityState | undefined;
  readings: readonly Reading[];
  spec: SensorWindowSpec;
  historySize: number;
  keysSize: number;
  confirmed: ReadonlySet<string>;
  now: Date;
}): ApplyResult {
  const base: EntityState = o.state ?? {
    entity: o.entity,
    epoch: o.now.getTime(),
    seq: 0,
    history: [],
    digests: '',
    pending: [],
    updated_at: o.now.toISOString(),
  };
  const stored = storedDigests(base);
  const added = new Set<string>();
  const history = [...base.history];
  const fresh: PendingRow[] = [];
  let seq = base.seq;
  let duplicates = 0;
  // Every reading applied in this epoch is at or before the newest in the history (it drops only the
  // oldest), and a redelivery carries its reading's own time, so a reading after the newest is new
  // and needs no search: in a stream in time order, most are.
  let newest = history.length ? history[history.length - 1]!.ts : Number.NEGATIVE_INFINITY;
  const seen = new DigestLookup(stored);
  for (const r of o.readings) {
    const digest = keyDigest(r.key);
    if (r.ts <= newest && (added.has(digest) || seen.has(digest))) {
      duplicates += 1;
      continue;
    }
    added.add(digest);
    newest = Math.max(newest, r.ts);
    seq += 1;
    // History stays in time order: a late reading is compared with the readings before it in time,
    // as training does; readings already scored are not scored again because of it.
    let at = history.length;
    while (at > 0 && history[at - 1]!.ts > r.ts) at -= 1;
    const values = windowFeatures(o.spec, history.slice(Math.max(0, at - o.spec.window), at), r);
    fresh.push({
      row_key: rowKey(o.entity, base.epoch, seq),
      record_key: r.key,
      ts: r.ts,
      received_at: r.received_at,
      values,
      ...(r.label !== undefined ? { label: r.label } : {}),
    });
    history.splice(at, 0, { ts: r.ts, humidity: r.humidity, temperature: r.temperature });
  }
  const pending = [...base.pending.filter((p) => !o.confirmed.has(p.row_key)), ...fresh];
  const state: EntityState = {
    entity: o.entity,
    epoch: base.epoch,
    seq,
    history: history.slice(-o.historySize),
    digests: (stored + [...added].join('')).slice(-o.keysSize * DIGEST_CHARS),
    pending,
    updated_at: fresh.length || pending.length !== base.pending.length ? o.now.toISOString() : base.updated_at,
  };
  return { state, fresh, duplicates };
}

/**
 * The online vector of an entity: its latest reading against the readings
 * before it (the last `spec.window`, or those within `seconds` of it).
 */
export function onlineVector(
  state: EntityState,
  spec: SensorWindowSpec,
  seconds?: number,
): { values: number[]; as_of: number } | undefined {
  const latest = state.history[state.history.length - 1];
  if (!latest) return undefined;
  let past = state.history.slice(0, -1);
  if (seconds !== undefined) past = past.filter((r) => r.ts >= latest.ts - seconds * 1000);
  return { values: windowFeatures(spec, past.slice(-spec.window), latest), as_of: latest.ts };
}
