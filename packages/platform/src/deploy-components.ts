import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { AppSpec } from './apps.ts';
import { PART_OF, deploymentPatch, kustomizeComponent, yamlFile } from './deploy-shared.ts';
import { repoPath } from './paths.ts';

/** Where the local-storage binding keeps artifacts inside daprd (an emptyDir Dapr mounts into the sidecar). */
export const LOCAL_ARTIFACTS_DIR = '/var/lib/meridian/artifacts';

/**
 * The components/ choices that make sense on a cluster, and what changes
 * there: settings that name localhost or come from daprd's environment come
 * from Kubernetes Secrets instead (one Secret per setting, its key the same
 * as its name, as components/README.md has it for the cloud choices).
 * Choices that need no server of their own (SQLite, local-file, the embedded
 * broker) or a launcher (JetStream streams) are left out.
 */
const CHOICES: { path: string; fromSecrets?: Record<string, string>; values?: Record<string, string> }[] = [
  { path: 'secrets/kubernetes' },
  { path: 'state/redis', fromSecrets: { redisHost: 'redis-host', redisPassword: 'redis-password' } },
  { path: 'state/postgres', fromSecrets: { connectionString: 'postgres-connection-string' } },
  { path: 'state/cosmos' },
  { path: 'pubsub/redis', fromSecrets: { redisHost: 'redis-host', redisPassword: 'redis-password' } },
  { path: 'pubsub/kafka', fromSecrets: { brokers: 'kafka-brokers' } },
  { path: 'pubsub/rabbitmq', fromSecrets: { connectionString: 'rabbitmq-connection-string' } },
  { path: 'artifacts/local-storage', values: { rootPath: LOCAL_ARTIFACTS_DIR } },
  { path: 'artifacts/s3' },
  { path: 'artifacts/azure-blob' },
  { path: 'conversation/echo' },
  { path: 'conversation/openai' },
  { path: 'conversation/anthropic' },
  { path: 'bindings/mqtt', fromSecrets: { url: 'mqtt-url' } },
];

interface MetadataItem {
  name: string;
  value?: unknown;
  envRef?: string;
  secretKeyRef?: { name: string; key?: string };
}

interface DaprComponent {
  apiVersion: string;
  kind: 'Component';
  metadata: { name: string; labels?: Record<string, string> };
  spec: { type: string; version: string; metadata: MetadataItem[]; [k: string]: unknown };
  auth?: { secretStore: string };
  scopes?: string[];
}

export interface RenderedChoice {
  /** deploy/components/<kind>/<choice> */
  dir: string;
  file: string;
  component: DaprComponent;
  /** The Secrets the component reads (name = key). */
  secrets: string[];
}

const secretRef = (secret: string) => ({ secretKeyRef: { name: secret, key: secret } });

function render(choice: (typeof CHOICES)[number], apps: AppSpec[]): RenderedChoice {
  const dir = repoPath('components', choice.path);
  const file = readdirSync(dir).find((f) => f.endsWith('.yaml'));
  if (!file) throw new Error(`components/${choice.path} holds no component`);
  const source = parse(readFileSync(`${dir}/${file}`, 'utf8')) as DaprComponent;
  const fromSecrets = choice.fromSecrets ?? {};
  const values = choice.values ?? {};
  const items: MetadataItem[] = source.spec.metadata.map((m) => {
    if (fromSecrets[m.name]) return { name: m.name, ...secretRef(fromSecrets[m.name]!) };
    if (values[m.name] !== undefined) return { name: m.name, value: values[m.name] };
    if (m.envRef) throw new Error(`components/${choice.path}: ${m.name} needs a Kubernetes source`);
    return m;
  });
  for (const [name, secret] of Object.entries(fromSecrets))
    if (!items.some((m) => m.name === name)) items.push({ name, ...secretRef(secret) });
  const secrets = [...new Set(items.flatMap((m) => (m.secretKeyRef ? [m.secretKeyRef.name] : [])))];
  const name = source.metadata.name;
  const { auth: _auth, scopes: _scopes, ...rest } = source;
  return {
    dir: `deploy/components/${choice.path}`,
    file,
    secrets,
    component: {
      ...rest,
      metadata: { name, labels: PART_OF },
      spec: { ...source.spec, metadata: items },
      // The Dapr operator resolves these from the namespace's Secrets before the sidecar sees them.
      ...(secrets.length ? { auth: { secretStore: 'kubernetes' } } : {}),
      scopes: apps.filter((a) => a.dapr.components.includes(name)).map((a) => a.id),
    },
  };
}

export function renderedChoices(apps: AppSpec[]): RenderedChoice[] {
  return CHOICES.map((c) => render(c, apps));
}

/** The local-storage binding writes inside daprd: an emptyDir in each pod that uses it, mounted into the sidecar. */
function localStoragePatches(apps: AppSpec[], component: string) {
  return apps
    .filter((a) => a.dapr.components.includes(component))
    .map((a) =>
      deploymentPatch(a.id, {
        metadata: { annotations: { 'dapr.io/volume-mounts-rw': `artifacts:${LOCAL_ARTIFACTS_DIR}` } },
        spec: { volumes: [{ name: 'artifacts', emptyDir: { sizeLimit: '4Gi' } }] },
      }),
    );
}

/** deploy/components/<kind>/<choice>/: a kustomize Component per choice, which an overlay lists to use it. */
export function componentFiles(apps: AppSpec[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const r of renderedChoices(apps)) {
    const source = `components/${r.dir.slice('deploy/components/'.length)}/${r.file}`;
    const needs = r.secrets.length
      ? `\nSecrets it reads, each with one key of the same name: ${r.secrets.join(', ')}.`
      : '';
    files.set(
      `${r.dir}/${r.file}`,
      yamlFile({ comment: `Kubernetes rendering of ${source}.${needs}`, doc: r.component }),
    );
    const patches =
      r.component.spec.type === 'bindings.localstorage' ? localStoragePatches(apps, r.component.metadata.name) : [];
    if (patches.length) files.set(`${r.dir}/volumes.yaml`, yamlFile(...patches));
    files.set(
      `${r.dir}/kustomization.yaml`,
      yamlFile(
        kustomizeComponent({
          resources: [r.file],
          ...(patches.length ? { patches: [{ path: 'volumes.yaml' }] } : {}),
        }),
      ),
    );
  }
  return files;
}
