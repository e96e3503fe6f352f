import { z } from 'zod';
import { daprPreset } from '@meridian/service-kit';

export const monitorEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('monitor'),
  PUBSUB_NAME: z.string().default('pubsub'),
  STATE_STORE: z.string().default('statestore'),
  /** Labelled predictions per model version that rolling quality is computed over. */
  QUALITY_WINDOW: z.coerce.number().int().positive().default(1000),
};
