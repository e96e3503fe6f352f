/**
 * Renders deploy/ kustomizations and checks manifests with kubeconform against our own strict
 * schemas only (tools/k8s/schemas.sh; never kubeconform's default schema URL, so no network).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { repoPath } from '@meridian/platform';

export interface Validator {
  readonly kubeconform: string;
  readonly schemaDir: string;
}

export interface ValidationError {
  readonly path: string;
  readonly msg: string;
}

export interface ResourceResult {
  readonly kind: string;
  readonly name: string;
  readonly version: string;
  readonly status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped';
  readonly msg: string;
  readonly validationErrors?: ValidationError[];
}

export interface Report {
  readonly resources: ResourceResult[];
  readonly summary: { valid: number; invalid: number; errors: number; skipped: number };
}

const ensure = (script: string) =>
  execFileSync('bash', [repoPath(script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

/** kubeconform and the schemas, built or generated into the cache on first use (see the scripts). */
export function ensureValidator(): Validator {
  return { kubeconform: ensure('tools/k8s/kubeconform.sh'), schemaDir: ensure('tools/k8s/schemas.sh') };
}

/**
 * deploy/base and every directory under deploy/overlays, as repo-relative paths. A directory
 * there without a kustomization is listed too, so that it fails the render instead of being
 * passed over.
 */
export function kustomizations(): string[] {
  const overlays = repoPath('deploy/overlays');
  const found = existsSync(overlays)
    ? readdirSync(overlays, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => `deploy/overlays/${e.name}`)
        .sort()
    : [];
  return ['deploy/base', ...found];
}

/** `kubectl kustomize` of a repo-relative directory: the manifests kubectl apply -k would send. */
export function render(dir: string): string {
  return execFileSync('kubectl', ['kustomize', repoPath(dir)], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** kubeconform -strict over the manifests, missing schemas an error, every resource reported. */
export function validate(validator: Validator, manifests: string): Report {
  const location = `${validator.schemaDir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  const args = ['-strict', '-summary', '-verbose', '-output', 'json', '-schema-location', location, '-'];
  const run = spawnSync(validator.kubeconform, args, { input: manifests, encoding: 'utf8', maxBuffer: 64 << 20 });
  try {
    return JSON.parse(run.stdout) as Report;
  } catch {
    throw new Error(`kubeconform exited ${run.status} without a JSON report: ${run.stderr}${run.stdout}`);
  }
}

/** One line per resource that is not valid: kind/name, then each failing path and why. */
export function problems(report: Report): string[] {
  return report.resources
    .filter((r) => r.status !== 'statusValid')
    .map((r) => {
      const why = r.validationErrors?.length ? r.validationErrors.map((e) => `${e.path}: ${e.msg}`).join('; ') : r.msg;
      return `${r.kind}/${r.name} (${r.version}) ${r.status}: ${why}`;
    });
}
