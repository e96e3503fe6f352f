import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseOperation, type Operation } from './dapr-acl.ts';
import { repoPath } from './paths.ts';

const AppId = z.string().regex(/^[a-z][a-z0-9-]*$/);

/** Dapr building blocks an app may call on its sidecar (the Configuration's API allowlist). */
export const DaprApi = z.enum([
  'invoke',
  'state',
  'publish',
  'bindings',
  'secrets',
  'workflows',
  'jobs',
  'actors',
  'conversation',
  'metadata',
]);
export type DaprApi = z.infer<typeof DaprApi>;

export const AppSpec = z.object({
  id: AppId,
  description: z.string(),
  /** Entry module, relative to the repository root. */
  entry: z.string(),
  /** App port for dapr.yaml, tye.yaml and Kubernetes; the launcher picks free ports except for the gateway. */
  port: z.number().int().positive(),
  /**
   * Instances `npm start` and the test platform run (default 1), each beside its own sidecar under
   * the same app id: name resolution spreads calls over them, a consumer group shares their messages.
   */
  replicas: z.number().int().min(1).max(8).optional(),
  /** What the app's sidecar lets it do: everything else is off. */
  dapr: z.object({
    apis: z.array(DaprApi),
    /** Components (by name) loaded into this app's sidecar: each component's `scopes`. */
    components: z.array(z.string()),
    /** Secrets the app may read through the secrets API. */
    secrets: z.array(z.string()),
  }),
  /** Every operation the app serves to other apps through Dapr, and who may call it (its access-control list). */
  operations: z.array(
    z.object({
      op: z.string().refine((s) => {
        try {
          parseOperation(s);
          return true;
        } catch {
          return false;
        }
      }, 'an operation is "<VERB> /path" with {param} segments, or "GRPC /package.Service/Method"'),
      callers: z.array(AppId).min(1),
    }),
  ),
});
export type AppSpec = z.infer<typeof AppSpec>;

const AppList = z.object({ apps: z.array(AppSpec).min(1) });

/** The single source of truth for which apps exist: apps/apps.json. */
export function loadApps(): AppSpec[] {
  const parsed = AppList.safeParse(JSON.parse(readFileSync(repoPath('apps/apps.json'), 'utf8')));
  if (!parsed.success) throw new Error(`apps/apps.json is invalid: ${parsed.error.message}`);
  return parsed.data.apps;
}

/** Every app id allowed to call `app`, with the operations each may call. */
export function callersOf(app: AppSpec): Map<string, Operation[]> {
  const byCaller = new Map<string, Operation[]>();
  for (const { op, callers } of app.operations) {
    for (const caller of callers) byCaller.set(caller, [...(byCaller.get(caller) ?? []), parseOperation(op)]);
  }
  return byCaller;
}
