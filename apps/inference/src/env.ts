import { z } from 'zod';
import { Components } from '@meridian/contracts';
import { daprPreset } from '@meridian/service-kit';
import { modelLimitEnv } from './domain/model-limits.ts';

export const inferenceEnv = {
  ...daprPreset,
  ...modelLimitEnv,
  APP_ID: daprPreset.APP_ID.default('inference'),
  MODEL_REPOSITORY: z.string().min(1),
  PUBSUB_NAME: z.string().default(Components.pubsub),
  STATE_STORE: z.string().default(Components.state),
  MAX_BODY: z.string().default('4mb'),
  /** Follow the registry (production = champion, staging = canary); empty to serve only the local repository. */
  REGISTRY_APP_ID: z.string().default('registry'),
  /** Where requests naming entities get their inputs (models whose card has online_features); empty: none. */
  FEATURES_APP_ID: z.string().default('features'),
  CANARY_PERCENT: z.coerce.number().min(0).max(100).default(10),
  /**
   * How often to check the registry for stage changes whose lifecycle event went to another
   * replica (replicas share one consumer group); 0: events only.
   */
  REGISTRY_REFRESH_SECONDS: z.coerce.number().min(0).default(15),
  ORT_INTRA_OP_THREADS: z.coerce.number().int().positive().default(1),
  /**
   * A request of a gateway batch (POST /v1/infer-batch) not answered in this time gets its own 503 (what it
   * gets alone when its sidecar cuts the call off), so the batch answers well before the 5 s the sidecars
   * give a call to inference (configuration/resiliency) and one slow request fails only itself. Keep it
   * well under that timeout.
   */
  BATCH_ITEM_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(3000),
  /**
   * Prediction events per topic in flight to the sidecar before the next ones wait and leave together in one
   * bulk publish (adapters/sidecar-publisher.ts); 0: every event alone.
   */
  PUBLISH_IN_FLIGHT: z.coerce.number().int().min(0).max(64).default(2),
  /**
   * How long a sampled prediction event that could go to the sidecar at once waits for others first, so
   * that a light load shares bulk publishes too (the event reaches the broker that much later); 0: none.
   */
  PUBLISH_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(5),
};
