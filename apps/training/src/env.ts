import { z } from 'zod';
import { Components } from '@meridian/contracts';
import { daprPreset } from '@meridian/service-kit';

/** "a,b, c": names, blanks left out. */
const NameList = z.string().transform((text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** "sensor-anomaly=@every 24h;spam=@daily": a schedule per model. */
const Schedules = z.string().transform((text, ctx) =>
  text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('=');
      const model = entry.slice(0, at).trim();
      const schedule = entry.slice(at + 1).trim();
      if (at < 0 || !model || !schedule)
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not <model>=<schedule>, e.g. spam=@daily` });
      return { model, schedule };
    }),
);

export const trainingEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('training'),
  DAPR_GRPC_PORT: z.coerce.number().int().min(1).max(65535).default(50001),
  PUBSUB_NAME: z.string().default(Components.pubsub),
  STATE_STORE: z.string().default(Components.state),
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
  RETRAIN_SCHEDULE: Schedules.default([]),
  /** Train and promote models the registry does not have yet when the app starts. */
  BOOTSTRAP_MODELS: NameList.default(['sensor-anomaly', 'spam', 'wage-above-median', 'sensor-anomaly-windowed']),
};
