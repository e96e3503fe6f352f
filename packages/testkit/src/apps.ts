import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { repoPath } from './paths.ts';

export const AppSpec = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/),
  description: z.string(),
  /** Entry module, relative to the repository root. */
  entry: z.string(),
  /** App port for dapr.yaml, tye.yaml and Kubernetes; the launcher picks free ports except for the gateway. */
  port: z.number().int().positive(),
  /** App ids allowed to invoke this app through Dapr (its access-control list). */
  callers: z.array(z.string()),
});
export type AppSpec = z.infer<typeof AppSpec>;

const AppList = z.object({ apps: z.array(AppSpec).min(1) });

/** The single source of truth for which apps exist: apps/apps.json. */
export function loadApps(): AppSpec[] {
  const parsed = AppList.safeParse(JSON.parse(readFileSync(repoPath('apps/apps.json'), 'utf8')));
  if (!parsed.success) throw new Error(`apps/apps.json is invalid: ${parsed.error.message}`);
  return parsed.data.apps;
}
