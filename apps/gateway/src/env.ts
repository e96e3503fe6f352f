import { z } from 'zod';
import { Components } from '@meridian/contracts';
import { daprPreset } from '@meridian/service-kit';
import { authEnv } from './domain/auth-env.ts';
import { rateLimitEnv } from './domain/rate-limits.ts';
import { sheddingEnv } from './domain/shedding.ts';

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
};
export type GatewayEnv = z.infer<z.ZodObject<typeof gatewayEnv>>;
