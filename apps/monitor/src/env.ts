import { z } from 'zod';
import { daprPreset } from '@meridian/service-kit';

export const monitorEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('monitor'),
  PUBSUB_NAME: z.string().default('pubsub'),
  STATE_STORE: z.string().default('statestore'),
};
