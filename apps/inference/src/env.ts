import { z } from 'zod';
import { daprPreset } from '@meridian/service-kit';

export const inferenceEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('inference'),
  MODEL_REPOSITORY: z.string().min(1),
  PUBSUB_NAME: z.string().default('pubsub'),
  STATE_STORE: z.string().default('statestore'),
  MAX_BODY: z.string().default('4mb'),
  ORT_INTRA_OP_THREADS: z.coerce.number().int().positive().default(1),
};
