import { z } from 'zod';
import { daprPreset } from '@meridian/service-kit';

export const monitorEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('monitor'),
  PUBSUB_NAME: z.string().default('pubsub'),
  STATE_STORE: z.string().default('statestore'),
  /** Labelled predictions per model version that rolling quality is computed over. */
  QUALITY_WINDOW: z.coerce.number().int().positive().default(1000),
  REGISTRY_APP_ID: z.string().default('registry'),
  /** Rows per drift window; each full window is evaluated once. */
  DRIFT_WINDOW: z.coerce.number().int().positive().default(500),
  /** Alert thresholds: PSI at or above, or a KS p-value below. */
  DRIFT_PSI: z.coerce.number().positive().default(0.2),
  DRIFT_KS_P_VALUE: z.coerce.number().positive().max(1).default(0.01),
};
