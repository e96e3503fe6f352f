import {
  deadLetterTopic,
  DeadLetterEvent,
  MAX_LISTED_REJECTIONS,
  type IngestCounts,
  MAX_EVENT_RECORD_BYTES,
  MAX_RECORDS_PER_EVENT,
  type IngestedRecord,
  type IngestedRecordsEvent,
  type IngestRejection,
  type IngestResult,
} from '@meridian/contracts';
import { AppError, packByKey, requestLogger } from '@meridian/service-kit';
import { streamMasker } from './mask.ts';
import type { OutgoingEvent, Publisher, SeenKeys, StatsStore } from './ports.ts';
import { splitBatch, type Entry } from './split-batch.ts';
import type { StreamSpec } from './streams.ts';

export interface IntakeDeps {
  publisher: Publisher;
  seenKeys: SeenKeys;
  stats: StatsStore;
  clock: () => Date;
  maxRecords: number;
}

export interface IntakeOutcome extends IngestCounts {
  dead_lettered: number;
  /** Records that could not be published (broker down); the caller answers 503. */
  unpublished: number;
  /** Why the first rejected records were rejected: index, field and reason (never the values), for the answer and the log. */
  rejections: IngestRejection[];
  /** Where the time went, for the log. */
  phases_ms: { seen: number; publish: number; mark: number };
}

const since = (t: number) => Math.round(performance.now() - t);

type Fresh = Exclude<Entry, { kind: 'repeat' }>;
type Invalid = Extract<Entry, { kind: 'invalid' }>;
type Valid = Extract<Entry, { kind: 'valid' }>;

/** One line per failing field of the first rejected records, masked like their dead letters. */
function rejectionsOf(o: { spec: StreamSpec; rejected: Invalid[] }): IngestRejection[] {
  const masker = streamMasker(o.spec.pii);
  const listed: IngestRejection[] = [];
  for (const e of o.rejected) {
    for (const err of e.errors) {
      if (listed.length === MAX_LISTED_REJECTIONS) return listed;
      listed.push({ index: e.index, field: masker.maskText(err.path), reason: masker.maskText(err.message) });
    }
  }
  return listed;
}

/** What a batch's caller is answered: the counts and why records were rejected. */
export function ingestAnswer(outcome: IntakeOutcome): IngestResult {
  return {
    accepted: outcome.accepted,
    rejected: outcome.rejected,
    duplicates: outcome.duplicates,
    rejections: outcome.rejections,
  };
}

interface Outgoing {
  topic: string;
  event: OutgoingEvent;
  /** The batch's records the event carries: published when it is. */
  entries: Fresh[];
}

/** A valid record as its topic carries it, with its partition key and about how large it is. */
function onTopic(spec: StreamSpec, entry: Valid, masker: ReturnType<typeof streamMasker>) {
  // The key stays as it is: it was computed from the unmasked record, and consumers dedupe on it.
  // Built to the contract's type from a record its stream's schema accepted; not parsed again per record
  // (intake.test.ts checks published events against the schema, and every consumer parses what it takes).
  const record = masker.mask(entry.record) as IngestedRecord['record'];
  const key = spec.partitionBy === undefined ? undefined : entry.record[spec.partitionBy];
  return {
    entry,
    data: { key: entry.key, record },
    partitionKey: key === undefined || key === null ? undefined : String(key),
    bytes: JSON.stringify(record).length + entry.key.length,
  };
}

/**
 * What a batch publishes: its valid records in events of one partition key each
 * (IngestedRecordsEvent), and a dead letter for each invalid record.
 */
function outgoing(o: { spec: StreamSpec; fresh: Fresh[]; receivedAt: string }): Outgoing[] {
  const { spec, receivedAt } = o;
  const masker = streamMasker(spec.pii);
  const valid = o.fresh.filter((e): e is Valid => e.kind === 'valid').map((e) => onTopic(spec, e, masker));
  const packs = packByKey(valid, {
    keyOf: (r) => r.partitionKey,
    sizeOf: (r) => r.bytes,
    maxItems: MAX_RECORDS_PER_EVENT,
    maxSize: MAX_EVENT_RECORD_BYTES,
  });
  const events: Outgoing[] = packs.map((pack, n) => {
    const data: IngestedRecordsEvent = {
      stream: spec.name,
      received_at: receivedAt,
      records: pack.items.map((r) => r.data),
    };
    const partitionKey = pack.key;
    return {
      topic: spec.topic,
      event: { entryId: `records-${n}`, data, ...(partitionKey === undefined ? {} : { partitionKey }) },
      entries: pack.items.map((r) => r.entry),
    };
  });
  for (const entry of o.fresh) {
    if (entry.kind !== 'invalid') continue;
    // Reasons name fields and rules, but a field name can be a value too (a key of `properties`).
    const data = DeadLetterEvent.parse({
      stream: spec.name,
      index: entry.index,
      key: entry.key,
      reason: masker.maskText(entry.reason),
      errors: masker.mask(entry.errors),
      record: masker.mask(entry.raw),
      received_at: receivedAt,
    });
    events.push({ topic: deadLetterTopic(spec.topic), event: { entryId: `${entry.index}`, data }, entries: [entry] });
  }
  return events;
}

/**
 * Takes in one batch of a stream. Records already marked as seen, or
 * repeated within the batch, are duplicates and are not published again.
 * The rest are published (valid ones to the stream's topic, invalid ones to
 * its dead-letter topic), and only those whose publish succeeded get their
 * idempotency mark: after a broker failure, a retry of the whole batch
 * publishes exactly what is missing. Two batches racing with the same record
 * may both publish it, but the insert-only mark lets only one count it, and
 * consumers dedupe on the key (publishing is at least once).
 */
export async function intake(
  deps: IntakeDeps,
  o: { spec: StreamSpec; body: unknown; nonObjects: 'refuse-batch' | 'reject-record' },
): Promise<IntakeOutcome> {
  const { spec } = o;
  const entries = splitBatch({ spec, body: o.body, nonObjects: o.nonObjects, maxRecords: deps.maxRecords });
  const receivedAt = deps.clock().toISOString();
  const firstOfKey = entries.filter((e): e is Fresh => e.kind !== 'repeat');
  let t = performance.now();
  const seen = firstOfKey.length
    ? await deps.seenKeys.seen({ stream: spec.name, keys: firstOfKey.map((e) => e.key) })
    : new Set<string>();
  const fresh = firstOfKey.filter((e) => !seen.has(e.key));
  const phases = { seen: since(t), publish: 0, mark: 0 };

  const byTopic = new Map<string, Outgoing[]>();
  for (const item of outgoing({ spec, fresh, receivedAt })) {
    const items = byTopic.get(item.topic);
    if (items) items.push(item);
    else byTopic.set(item.topic, [item]);
  }
  const published: Fresh[] = [];
  t = performance.now();
  await Promise.all(
    [...byTopic].map(async ([topic, items]) => {
      const failed = await deps.publisher.publish({ topic, events: items.map((i) => i.event) });
      for (const i of items) if (!failed.has(i.event.entryId)) published.push(...i.entries);
    }),
  );

  phases.publish = since(t);
  t = performance.now();
  const won = published.length
    ? await deps.seenKeys.mark({ stream: spec.name, keys: published.map((e) => e.key) })
    : new Set<string>();
  phases.mark = since(t);
  const counted = published.filter((e) => won.has(e.key));
  const accepted = counted.filter((e) => e.kind === 'valid').length;
  const rejected = counted.filter((e) => e.kind === 'invalid').length;
  const duplicates = entries.length - fresh.length + (published.length - counted.length);
  const outcome: IntakeOutcome = {
    accepted,
    rejected,
    duplicates,
    dead_lettered: rejected,
    unpublished: fresh.length - published.length,
    rejections: rejectionsOf({ spec, rejected: counted.filter((e): e is Invalid => e.kind === 'invalid') }),
    phases_ms: phases,
  };
  // Also on the way to a 503: what was published is marked, and a retry will count it as a duplicate, not again.
  try {
    await deps.stats.add({
      stream: spec.name,
      delta: { accepted, rejected, duplicates, dead_lettered: rejected },
      at: receivedAt,
    });
  } catch (err) {
    // The records are published and marked; failing the batch now would only make its retry count them as duplicates.
    requestLogger().error(
      { err, stream: spec.name, accepted, rejected, duplicates },
      'stream stats not updated for this batch',
    );
  }
  return outcome;
}

export function brokerUnavailable(o: { stream: string; outcome: IntakeOutcome }): AppError {
  const { outcome } = o;
  return new AppError({
    code: 'UNAVAILABLE',
    message:
      `the broker did not take ${outcome.unpublished} record(s) of this ${o.stream} batch; retry the whole batch ` +
      `(the ${outcome.accepted + outcome.rejected} published now will count as duplicates)`,
    headers: { 'retry-after': '1' },
  });
}
