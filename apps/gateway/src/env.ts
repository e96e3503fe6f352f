import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Components } from '@meridian/contracts';
import { daprPreset } from '@meridian/service-kit';
import { authEnv } from './domain/auth-env.ts';
import { rateLimitEnv } from './domain/rate-limits.ts';
import { sheddingEnv } from './domain/shedding.ts';

/** The console's build in this repository (packages/console/dist), found from this file, wherever the gateway is started. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../packages/console/dist', import.meta.url));

export const gatewayEnv = {
  ...daprPreset,
  ...authEnv,
  ...rateLimitEnv,
  ...sheddingEnv,
  APP_ID: daprPreset.APP_ID.default('gateway'),
  APP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  SECRET_STORE: z.string().default(Components.secrets),
  MAX_BODY: z.string().default('1mb'),
  /** Body limit for ingestion batches and registry uploads. */
  MAX_UPLOAD: z.string().default('16mb'),
  /** The web console's build (index.html and assets/), served at /console. */
  CONSOLE_DIR: z.string().min(1).default(DEFAULT_CONSOLE_DIR),
  /** Event streams (GET /v1/events) open at once; past it, 503. */
  MAX_EVENT_STREAMS: z.coerce.number().int().min(0).max(100_000).default(100),
  /** Event streams one token subject may hold open; past it, 429. */
  MAX_EVENT_STREAMS_PER_SUBJECT: z.coerce.number().int().min(1).max(100_000).default(10),
  /**
   * Infer calls to one model of inference out at once before further ones wait and travel together as one
   * batch call (routes/infer-batching.ts); 0 sends every request alone.
   */
  INFER_BATCH_IN_FLIGHT: z.coerce.number().int().min(0).max(1024).default(2),
  /** How often the one poller behind every event stream reads the monitor and training apps. */
  EVENTS_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
};
export type GatewayEnv = z.infer<z.ZodObject<typeof gatewayEnv>>;
