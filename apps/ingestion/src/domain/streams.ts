import { z } from 'zod';
import { Topics } from '@meridian/contracts';

/** A timestamp as ISO 8601 with an offset, or epoch milliseconds. */
const Timestamp = z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]);

/** A caller-chosen idempotency key; without one the key is derived from the content. */
const RecordId = z.string().trim().min(1).max(200);

export interface StreamSpec {
  name: string;
  /** Validates one raw record; unknown fields are stripped. */
  schema: z.ZodType<Record<string, unknown>>;
  /** Valid records go here, rejected ones to `<topic>.dead-letter`. */
  topic: string;
  /**
   * Fields whose values never leave the app unmasked (published, dead-lettered
   * or logged), matched at any depth and case-insensitively; the built-in PII
   * names and value detectors of service-kit's pii.ts apply besides.
   */
  pii: readonly string[];
  /**
   * The field whose value keys a valid record's event (the broker's partition key, e.g. Kafka's),
   * so one entity's records stay in order while entities spread over partitions. Without it,
   * events carry no key.
   */
  partitionBy?: string;
}

export const SensorReading = z.object({
  id: RecordId.optional(),
  mote_id: z.number().int().min(0),
  humidity: z.number().min(0).max(100),
  temperature: z.number().min(-50).max(150),
  ts: Timestamp,
  /** Ground truth, when a labelled dataset is replayed: kept in the offline feature log for training. */
  label: z.union([z.literal(0), z.literal(1)]).optional(),
});
export type SensorReading = z.infer<typeof SensorReading>;

/** A product event carrying an e-mail address: the stream that shows PII masking. */
export const UserEvent = z.object({
  id: RecordId.optional(),
  type: z.string().min(1).max(100),
  user_email: z.email(),
  ts: Timestamp,
  properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type UserEvent = z.infer<typeof UserEvent>;

export const STREAMS: Readonly<Record<string, StreamSpec>> = {
  'sensor-readings': {
    name: 'sensor-readings',
    schema: SensorReading,
    topic: Topics.sensorReadings,
    pii: [],
    // The features app keeps one state per mote: its readings in one partition, motes over all of them.
    partitionBy: 'mote_id',
  },
  events: { name: 'events', schema: UserEvent, topic: Topics.userEvents, pii: ['user_email'] },
};

/**
 * The streams with their PII lists overridden by configuration
 * (INGEST_PII_FIELDS), so an operator can widen masking without a release.
 */
export function configureStreams(o: {
  base?: Readonly<Record<string, StreamSpec>>;
  pii?: Record<string, string[]>;
}): Record<string, StreamSpec> {
  const base = o.base ?? STREAMS;
  const unknown = Object.keys(o.pii ?? {}).filter((s) => !(s in base));
  if (unknown.length) throw new Error(`INGEST_PII_FIELDS names unknown streams: ${unknown.join(', ')}`);
  return Object.fromEntries(
    Object.entries(base).map(([name, spec]) => [name, { ...spec, pii: o.pii?.[name] ?? spec.pii }]),
  );
}
