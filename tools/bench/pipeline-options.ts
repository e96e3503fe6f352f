import { parseArgs } from 'node:util';

/**
 * Ingestion's backlog bound (MAX_BACKLOG_RECORDS) on MQTT brokers: what keeps Mosquitto's queue of
 * 1,000 messages per client (plus 20 in flight) from dropping (docs/pipeline-and-monitoring.md#backpressure).
 */
export const MQTT_BOUND = 800;
/**
 * The bound for brokers that keep what the consumer has not taken yet (Kafka, Redis Streams,
 * JetStream, RabbitMQ): room for the load generator's batches in flight (8 × 1,000) and the
 * stream's own, about 3–4 s of it at the rates measured here.
 */
export const BACKLOG_BROKER_BOUND = 20_000;
const MQTT_BROKERS = new Set(['embedded', 'mqtt']);
const LARGEST_AUTO_BATCH = 1000;

/**
 * MAX_BACKLOG_RECORDS for a broker, always given to the platform (ingestion's own default may
 * change): `auto` is MQTT_BOUND on MQTT brokers and BACKLOG_BROKER_BOUND on the others; a number
 * is used on every broker (0 turns backpressure off).
 */
export function backlogBound(o: { broker: string; flag: string }): number {
  if (o.flag !== 'auto') return Number(o.flag);
  return MQTT_BROKERS.has(o.broker) ? MQTT_BOUND : BACKLOG_BROKER_BOUND;
}

/**
 * Records per batch: `auto` is 1,000, or a quarter of the bound when that is less (200 on MQTT
 * brokers). A batch over the bound is taken only when nothing at all is waiting, so larger
 * batches would measure Retry-After more than the pipeline; a quarter keeps the stream flowing.
 */
export function batchSize(o: { flag: string; bound: number }): number {
  if (o.flag !== 'auto') return Number(o.flag);
  return o.bound > 0 ? Math.max(1, Math.min(LARGEST_AUTO_BATCH, Math.floor(o.bound / 4))) : LARGEST_AUTO_BATCH;
}

const OPTIONS = {
  records: ['100000', 'records sent on each broker'],
  brokers: ['embedded,redis,rabbitmq,jetstream,mqtt,kafka', 'pub/sub components to measure, one platform at a time'],
  state: ['redis', 'the state store of every run'],
  batch: [
    'auto',
    'records per request and per bulk publish on the bare path: auto = 1000, or a quarter of the bound if less',
  ],
  concurrency: ['8', 'batches in flight'],
  'invalid-every': ['500', 'one record in this many is invalid (dead-lettered)'],
  'drain-timeout': ['180', 'seconds without progress before a wait gives up'],
  'backlog-records': [
    'auto',
    `ingestion's MAX_BACKLOG_RECORDS: auto = ${MQTT_BOUND} on MQTT brokers, ${BACKLOG_BROKER_BOUND} on the others; 0 = off`,
  ],
  'log-level': ['warn', "the apps' log level (info shows where each ingestion batch spent its time)"],
  profile: [
    '0',
    'seconds of CPU profiles of each app and its daprd, taken once the records flow (0 = none); in bench/results',
  ],
} as const;

/** A flag and its help, the help in a column (or on the next line after a long flag). */
const usageLine = (flag: string, help: string) =>
  flag.length < 35 ? `${flag.padEnd(36)}${help}` : `${flag}\n${' '.repeat(36)}${help}`;

export const USAGE = [
  'npm run bench:pipeline -- [flags]',
  ...Object.entries(OPTIONS).map(([name, [value, help]]) => usageLine(`  --${name} ${value}`, help)),
  usageLine('  --skip-bare', 'do not measure the bare Dapr path (no bare_records_per_s, fraction_of_bare)'),
  usageLine('  --keep', 'keep the data dirs and logs'),
].join('\n');

export interface PipelineOptions {
  records: number;
  brokers: string[];
  state: string;
  batch: string;
  concurrency: number;
  invalidEvery: number;
  drainTimeoutMs: number;
  backlogRecords: string;
  logLevel: string;
  /** Seconds of CPU profiles while the records flow; 0: none. */
  profileSeconds: number;
  skipBare: boolean;
  keep: boolean;
}

/** Reads the command line; every problem is reported at once. */
export function parsePipelineOptions(args: string[]): PipelineOptions {
  const { values } = parseArgs({
    args,
    options: {
      ...Object.fromEntries(
        Object.entries(OPTIONS).map(([name, [value]]) => [name, { type: 'string' as const, default: value }]),
      ),
      'skip-bare': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const given = values as Record<string, string | boolean>;
  const problems: string[] = [];
  const positive = (name: string, min = 1) => {
    const n = Number(given[name]);
    if (!Number.isInteger(n) || n < min) problems.push(`--${name} "${String(given[name])}" is not an integer ≥ ${min}`);
    return n;
  };
  const bound = String(given['backlog-records']);
  if (bound !== 'auto') positive('backlog-records', 0);
  if (given.batch !== 'auto') positive('batch');
  const brokers = String(given.brokers)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (!brokers.length) problems.push('--brokers names no broker');
  const options: PipelineOptions = {
    records: positive('records'),
    brokers,
    state: String(given.state),
    batch: String(given.batch),
    concurrency: positive('concurrency'),
    invalidEvery: positive('invalid-every', 0),
    drainTimeoutMs: positive('drain-timeout') * 1000,
    backlogRecords: bound,
    logLevel: String(given['log-level']),
    profileSeconds: positive('profile', 0),
    skipBare: Boolean(given['skip-bare']),
    keep: Boolean(given.keep),
  };
  if (problems.length) {
    process.stderr.write(`bench:pipeline: ${problems.join('; ')}\n\n${USAGE}\n`);
    process.exit(2);
  }
  return options;
}
