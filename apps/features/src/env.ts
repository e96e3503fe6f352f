import { z } from 'zod';
import { Components, MAX_RECORDS_PER_EVENT, Topics } from '@meridian/contracts';
import { SENSOR_ANOMALY_WINDOWED_MODEL_NAME, SENSOR_ANOMALY_WINDOWED_PARAMS, SENSOR_WINDOW_STATS } from '@meridian/ml';
import { daprPreset } from '@meridian/service-kit';

const Stats = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(SENSOR_WINDOW_STATS)));

export const featuresEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('features'),
  PUBSUB_NAME: z.string().default(Components.pubsub),
  STATE_STORE: z.string().default(Components.state),
  ARTIFACTS_BINDING: z.string().default(Components.artifacts),
  /** The topic of sensor readings (what ingestion publishes for the sensor-readings stream). */
  READINGS_TOPIC: z.string().default(Topics.sensorReadings),
  /** The online features computed for every reading (and what streaming scoring sends): the windowed model's. */
  FEATURE_WINDOW: z.coerce.number().int().min(1).max(500).default(SENSOR_ANOMALY_WINDOWED_PARAMS.window),
  FEATURE_STATS: Stats.default([...SENSOR_ANOMALY_WINDOWED_PARAMS.features]),
  /** Readings kept per mote: the longest window the online API can answer. */
  HISTORY_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  /**
   * Idempotency keys remembered per mote: a redelivery older than this many readings would be applied
   * again. At least two events' worth: a step holds at most half of it of one mote.
   */
  KEYS_PER_ENTITY: z.coerce
    .number()
    .int()
    .min(2 * MAX_RECORDS_PER_EVENT)
    .max(100_000)
    .default(2000),
  /** A mote's state expires this long after its last reading. */
  FEATURE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 3600),
  /** Score every new reading on this model (empty: features only). */
  SCORING_MODEL: z.string().default(SENSOR_ANOMALY_WINDOWED_MODEL_NAME),
  INFERENCE_APP_ID: z.string().default('inference'),
  /** Append scored rows to the offline feature log (artifacts binding). */
  OFFLINE_LOG: z.enum(['on', 'off']).default('on'),
  /** Bulk subscribe: messages per delivery and the longest wait for a full one. */
  // Events of up to 500 readings each: 100 keep a delivery to 50,000 readings, a few seconds, well inside the
  // sidecar's inbound pub/sub timeout (15 s, configuration/resiliency).
  BULK_MAX_MESSAGES: z.coerce.number().int().min(1).max(10_000).default(100),
  BULK_MAX_AWAIT_MS: z.coerce.number().int().min(1).max(60_000).default(20),
};
