import { z } from 'zod';
import { daprPreset } from '@meridian/service-kit';

export const trainingEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('training'),
  DAPR_GRPC_PORT: z.coerce.number().int().min(1).max(65535).default(50001),
  PUBSUB_NAME: z.string().default('pubsub'),
  STATE_STORE: z.string().default('statestore'),
  REGISTRY_APP_ID: z.string().default('registry'),
  INFERENCE_APP_ID: z.string().default('inference'),
  /** The features app, whose offline feature log trainers with live data read (empty: none). */
  FEATURES_APP_ID: z.string().default('features'),
  /** How many days of the offline feature log a snapshot takes. */
  OFFLINE_FEATURE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Where runs keep their artifacts between steps (survives a restart of the app). */
  TRAINING_WORK_DIR: z.string().default('training-runs'),
  /** Gate: the candidate may be at most this much worse than production on the gate metric. */
  GATE_MARGIN: z.coerce.number().min(0).max(1).default(0.01),
  CANARY_PERCENT: z.coerce.number().min(0).max(100).default(10),
  /** How long a canary serves before it is promoted or rolled back (a durable timer). */
  CANARY_SECONDS: z.coerce.number().min(0).max(86_400).default(5),
  /** Scheduled retraining, e.g. "sensor-anomaly=@every 24h;spam=@daily" (Dapr Jobs API). */
  RETRAIN_SCHEDULE: z.string().default(''),
  /** Train and promote models the registry does not have yet when the app starts. */
  BOOTSTRAP_MODELS: z.string().default('sensor-anomaly,spam,wage-above-median,sensor-anomaly-windowed'),
};
