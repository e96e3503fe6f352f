import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import type { AppSpec } from './apps.ts';
import { repoPath } from './paths.ts';

/**
 * Every overlay deploys into this namespace. The Configurations' access-control
 * lists name it (a caller is identified by app id *and* namespace), so it is
 * fixed here rather than left to a kustomize `namespace:` that would not reach them.
 */
export const NAMESPACE = 'meridian';

/** The uid and gid every Meridian container runs as (any non-root id works with the images). */
export const RUN_AS = 10001;

/** daprd's ports in the pod: sidecar-to-sidecar gRPC (mTLS), and Prometheus metrics. */
export const DAPR_INTERNAL_GRPC_PORT = 50002;
export const DAPR_METRICS_PORT = 9090;

/** What the Dapr control plane is called in a default `dapr init -k` / Helm install. */
export const DAPR_SYSTEM_NAMESPACE = 'dapr-system';

/** Pods in this namespace may scrape metrics: label the namespace your Prometheus runs in. */
export const METRICS_SCRAPER_LABEL = { 'meridian.dev/metrics-scraper': 'true' };

export const PART_OF = { 'app.kubernetes.io/part-of': 'meridian' };

export const labelsOf = (app: AppSpec) => ({ 'app.kubernetes.io/name': app.id, ...PART_OF });

/** The image of an app; overlays set the tag (`images:`) to the app's package.json version. */
export const imageOf = (app: AppSpec) => `meridian/${app.id}`;

/** The two Secrets (key `token`) of an app: its sidecar's API token and the token its sidecar sends it. */
export const tokenSecrets = (app: AppSpec) => ({
  daprApi: `${app.id}-dapr-api-token`,
  appApi: `${app.id}-app-api-token`,
});

/** The version in the app's own package.json (apps/<dir>/package.json, beside its src/). */
export function appVersion(app: AppSpec): string {
  const dir = dirname(dirname(app.entry));
  const pkg = JSON.parse(readFileSync(repoPath(dir, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error(`${dir}/package.json has no version`);
  return pkg.version;
}

/** A kustomize patch of Deployment `name`: its pod `template`, after any other `spec` fields. */
export const deploymentPatch = (name: string, template: unknown, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: { ...spec, template },
});

export const GENERATED = '# Generated from apps/apps.json by `npm run gen`; edit that file, not this one.\n';

/** A document with comment lines above it. */
export interface Commented {
  comment: string;
  doc: unknown;
}

const isCommented = (d: unknown): d is Commented =>
  typeof d === 'object' && d !== null && 'comment' in d && 'doc' in d && typeof d.comment === 'string';

/** One YAML file of one or more documents, each optionally preceded by comment lines. */
export function yamlFile(...docs: unknown[]): string {
  const parts = docs.map((d) => {
    if (!isCommented(d)) return stringify(d, { lineWidth: 0, aliasDuplicateObjects: false });
    const lines = d.comment.split('\n').map((l) => (l ? `# ${l}` : '#'));
    return `${lines.join('\n')}\n${stringify(d.doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
  });
  return GENERATED + parts.join('---\n');
}

export const kustomization = (body: Record<string, unknown>) => ({
  apiVersion: 'kustomize.config.k8s.io/v1beta1',
  kind: 'Kustomization',
  ...body,
});

/** A kustomize Component: a folder an overlay adds under `components:`. */
export const kustomizeComponent = (body: Record<string, unknown>) => ({
  apiVersion: 'kustomize.config.k8s.io/v1alpha1',
  kind: 'Component',
  ...body,
});
