import { z } from 'zod';

/** Variables every Meridian service reads: its own port and its Dapr sidecar. */
export const daprPreset = {
  APP_ID: z.string().min(1),
  APP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  APP_HOST: z.string().default('127.0.0.1'),
  DAPR_HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(3500),
  /** The token this app's sidecar requires on its API (daprd's DAPR_API_TOKEN); sent on every call to it. */
  DAPR_API_TOKEN: z.string().min(16, 'at least 16 characters (the platform generates one per app and start)'),
  /** The token this app requires of its sidecar (daprd's APP_API_TOKEN, sent as dapr-api-token). */
  APP_API_TOKEN: z.string().min(16, 'at least 16 characters (the platform generates one per app and start)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /** Benchmarks only: SIGUSR2 starts and stops a CPU profile written here (see cpu-profile.ts). */
  CPU_PROFILE_DIR: z.string().optional(),
};

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/**
 * Parses the whole environment at once and reports every problem together,
 * so a misconfigured service fails at boot with one complete message.
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<S>> {
  const parsed = z.object(shape).safeParse(source);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}

export type DaprEnv = z.infer<z.ZodObject<typeof daprPreset>>;
