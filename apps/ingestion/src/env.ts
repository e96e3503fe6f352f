import { z } from 'zod';
import { Components } from '@meridian/contracts';
import { daprPreset } from '@meridian/service-kit';

/** `{"events":["user_email","ip"]}`: PII fields per stream, replacing the defaults in domain/streams.ts. */
const PiiFields = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"events":["user_email"]}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.array(z.string().min(1))));

export const ingestionEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('ingestion'),
  PUBSUB_NAME: z.string().default(Components.pubsub),
  STATE_STORE: z.string().default(Components.state),
  /** How long an idempotency key is remembered: a batch retried later than this is taken in again. */
  IDEMPOTENCY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  /** bulk: one sidecar call per topic and batch; single: one call per record (measured slower, kept for brokers without bulk). */
  PUBLISH_MODE: z.enum(['bulk', 'single']).default('bulk'),
  /** Sidecar calls in flight for per-record publishes and idempotency marks. */
  SIDECAR_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /** Past this a publish counts as failed and the batch gets 503 (an MQTT broker that is down can stall a publish). */
  PUBLISH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  MAX_BATCH_RECORDS: z.coerce.number().int().positive().default(10_000),
  INGEST_PII_FIELDS: PiiFields.optional(),
  /**
   * Backpressure: while more records of a stream than this are accepted but not yet processed by its
   * consumer, a batch that does not fit is answered 429. Off (0) by default: the backlog is an
   * estimate that records the consumer drops without answering hold up until its idle reset, which
   * refuses good batches meanwhile. 800 keeps Mosquitto's default queue of 1000 messages per client
   * from dropping; see docs/pipeline-and-monitoring.md#backpressure.
   */
  MAX_BACKLOG_RECORDS: z.coerce.number().int().nonnegative().default(0),
  /** How often the backlog is measured (one stats read and one call to the consumer per stream), whatever the traffic. */
  BACKLOG_REFRESH_MS: z.coerce.number().int().min(50).max(60_000).default(100),
  /** How long a batch over the bound waits for the backlog to make room before it is refused with 429 (0: at once). */
  BACKLOG_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(1_000),
  /** After this long without a measurement (consumer or store unreachable), batches are taken without a bound. */
  BACKLOG_FAIL_OPEN_MS: z.coerce.number().int().positive().default(30_000),
  /** A consumer idle this long has nothing left to get: what is still counted as waiting was lost, and is written off. */
  BACKLOG_IDLE_RESET_MS: z.coerce.number().int().positive().default(60_000),
  /** The app consuming sensor readings, whose progress bounds that stream's backlog. */
  FEATURES_APP_ID: z.string().default('features'),
};
