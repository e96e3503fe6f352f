import { z } from 'zod';
import { Components } from '@meridian/contracts';
import { daprPreset } from '@meridian/service-kit';

export const registryEnv = {
  ...daprPreset,
  APP_ID: daprPreset.APP_ID.default('registry'),
  PUBSUB_NAME: z.string().default(Components.pubsub),
  STATE_STORE: z.string().default(Components.state),
  ARTIFACT_BINDING: z.string().default(Components.artifacts),
  /** Largest artifact accepted (bytes); larger ones get 413. */
  MAX_ARTIFACT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
};
