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
};
