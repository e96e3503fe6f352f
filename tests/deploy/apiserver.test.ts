import { existsSync, readdirSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '@meridian/platform';
import {
  CONTROL_PLANE_NS,
  type KubeCluster,
  REPLICASET_CONTROLLER,
  run,
  SENTRY_ID,
  SIDECAR_IMAGE,
  startKubeCluster,
  TRUST_DOMAIN,
} from './helpers/kube.ts';

// Every kustomization under deploy/ (base and each overlay), applied server-side to a real
// kube-apiserver with the Dapr and KEDA CRDs and Dapr's sidecar injector as its webhook.

type Obj = Record<string, any>;

const overlays = ['deploy/base', ...listDirs('deploy/overlays').map((d) => `deploy/overlays/${d}`)].filter((d) =>
  existsSync(repoPath(d, 'kustomization.yaml')),
);

function listDirs(dir: string): string[] {
  if (!existsSync(repoPath(dir))) return [];
  return readdirSync(repoPath(dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

async function render(overlay: string): Promise<Obj[]> {
  const res = await run('kubectl', ['kustomize', repoPath(overlay)]);
  if (res.code !== 0) throw new Error(`kubectl kustomize ${overlay}: ${res.stderr}`);
  return parseAllDocuments(res.stdout)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
}

const key = (kind: string, ns: string | undefined, name: string) => `${kind}/${ns ?? ''}/${name}`;

/**
 * What a cluster holds besides these manifests: the namespaces they use but do not create
 * (`before`), each namespace's `default` service account (the controller manager makes it in a
 * cluster; none runs here) and the secrets they reference but leave to the operator, such as
 * API tokens and broker passwords (`after`, once the manifests' own namespaces exist).
 */
function prerequisites(objects: Obj[]): { before: Obj[]; after: Obj[] } {
  const defined = new Set(objects.map((o) => key(o.kind, o.metadata?.namespace, o.metadata?.name)));
  const namespaces = new Set<string>();
  const secrets = new Map<string, { ns: string; name: string; keys: Set<string> }>();
  const secret = (ns: string, name: string, k: string) => {
    const entry = secrets.get(`${ns}/${name}`) ?? { ns, name, keys: new Set<string>() };
    entry.keys.add(k);
    secrets.set(`${ns}/${name}`, entry);
  };
  for (const o of objects) {
    const ns = o.metadata?.namespace;
    if (!ns) continue;
    namespaces.add(ns);
    const tpl = o.spec?.template;
    for (const c of [...(tpl?.spec?.containers ?? []), ...(tpl?.spec?.initContainers ?? [])]) {
      for (const e of c.env ?? [])
        if (e.valueFrom?.secretKeyRef) secret(ns, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    }
    for (const a of ['dapr.io/api-token-secret', 'dapr.io/app-token-secret']) {
      const name = tpl?.metadata?.annotations?.[a];
      if (name) secret(ns, name, 'token');
    }
    if (o.kind === 'Component') {
      for (const m of o.spec?.metadata ?? [])
        if (m.secretKeyRef) secret(ns, m.secretKeyRef.name, m.secretKeyRef.key ?? m.secretKeyRef.name);
    }
  }
  const before: Obj[] = [];
  const after: Obj[] = [];
  for (const ns of namespaces) {
    if (!defined.has(key('Namespace', undefined, ns)))
      before.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (!defined.has(key('ServiceAccount', ns, 'default')))
      after.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
  }
  for (const s of secrets.values()) {
    if (defined.has(key('Secret', s.ns, s.name))) continue;
    const data = Object.fromEntries([...s.keys].map((k) => [k, Buffer.from(`test-${s.name}-${k}`).toString('base64')]));
    after.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: s.ns }, data });
  }
  return { before, after };
}

const toStream = (objects: Obj[]) => objects.map((o) => JSON.stringify(o)).join('\n');

const argValue = (args: string[], flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

/** A Kubernetes quantity as a number, so "0.5" and "500m" compare equal as the API server stores them. */
function quantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = String(q).match(/^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/);
  if (!m) throw new Error(`not a quantity: ${q}`);
  const scale: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(m[1]) * (m[2] ? (scale[m[2]] ?? 1) : 1);
}

/** The injected daprd container must carry what the pod template's Dapr annotations ask for. */
function expectSidecar(cluster: KubeCluster, pod: Obj, template: Obj): void {
  const ann: Record<string, string> = template.metadata?.annotations ?? {};
  const ns = pod.metadata.namespace;
  const names = (pod.spec.containers as Obj[]).map((c) => c.name);
  for (const c of template.spec.containers as Obj[]) expect(names).toContain(c.name);
  const daprd = (pod.spec.containers as Obj[]).find((c) => c.name === 'daprd');
  expect(daprd, `no daprd container in ${ns}/${pod.metadata.name}: ${names.join(', ')}`).toBeDefined();
  if (!daprd) return;
  expect(daprd.image).toBe(SIDECAR_IMAGE);
  const args: string[] = daprd.args;
  expect(argValue(args, '--mode')).toBe('kubernetes');
  expect(argValue(args, '--app-id')).toBe(ann['dapr.io/app-id']);
  expect(argValue(args, '--config')).toBe(ann['dapr.io/config']);
  expect(argValue(args, '--app-port')).toBe(ann['dapr.io/app-port']);
  expect(argValue(args, '--app-protocol')).toBe(ann['dapr.io/app-protocol'] ?? 'http');
  expect(args).toContain('--enable-mtls');
  expect(argValue(args, '--sentry-address')).toBe(`dapr-sentry.${CONTROL_PLANE_NS}.svc.cluster.local:443`);
  expect(argValue(args, '--control-plane-address')).toBe(`dapr-api.${CONTROL_PLANE_NS}.svc.cluster.local:443`);
  expect(args.includes('--enable-metrics')).toBe(ann['dapr.io/enable-metrics'] !== 'false');
  expect(args.includes('--log-as-json')).toBe(ann['dapr.io/log-as-json'] === 'true');

  const env = new Map<string, Obj>((daprd.env as Obj[]).map((e) => [e.name, e]));
  expect(env.get('NAMESPACE')?.value).toBe(ns);
  expect(env.get('DAPR_TRUST_ANCHORS')?.value).toBe(cluster.trustAnchors);
  expect(env.get('DAPR_CONTROLPLANE_NAMESPACE')?.value).toBe(CONTROL_PLANE_NS);
  expect(env.get('DAPR_CONTROLPLANE_TRUST_DOMAIN')?.value).toBe(TRUST_DOMAIN);
  const tokenRef = (secret: string | undefined) => (secret ? { name: secret, key: 'token' } : undefined);
  expect(env.get('DAPR_API_TOKEN')?.valueFrom?.secretKeyRef).toEqual(tokenRef(ann['dapr.io/api-token-secret']));
  expect(env.get('APP_API_TOKEN')?.valueFrom?.secretKeyRef).toEqual(tokenRef(ann['dapr.io/app-token-secret']));
  // The collector's settings (packages/platform/src/daprd-env.ts) reach daprd through `dapr.io/env`.
  for (const pair of (ann['dapr.io/env'] ?? '').split(',')) {
    const [name, value] = pair.split('=');
    expect(env.get(name ?? '')?.value, `daprd env ${name}`).toBe(value);
  }
  expect(env.get('GOGC')?.value).toBe('400');

  // The identity daprd shows sentry: a token for the pod's service account, for sentry's audience.
  const tokenVolume = (pod.spec.volumes as Obj[]).find((v) => v.name === 'dapr-identity-token');
  expect(tokenVolume?.projected?.sources?.[0]?.serviceAccountToken?.audience).toBe(SENTRY_ID);
  expect((daprd.volumeMounts as Obj[]).map((m) => m.mountPath)).toContain('/var/run/secrets/dapr.io/sentrytoken');

  const limits = { cpu: 'dapr.io/sidecar-cpu-limit', memory: 'dapr.io/sidecar-memory-limit' };
  const requests = { cpu: 'dapr.io/sidecar-cpu-request', memory: 'dapr.io/sidecar-memory-request' };
  for (const [kind, map] of [['limits', limits] as const, ['requests', requests] as const]) {
    for (const [res, a] of Object.entries(map)) {
      expect(quantity(daprd.resources?.[kind]?.[res]), `daprd ${kind}.${res}`).toBe(quantity(ann[a]));
    }
  }
  expect(daprd.securityContext?.runAsNonRoot).toBe(true);
  expect(daprd.securityContext?.readOnlyRootFilesystem).toBe(true);
}

let cluster: KubeCluster;

beforeAll(async () => {
  cluster = await startKubeCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

it('finds deploy/base and the overlays to check', () => {
  expect(overlays).toContain('deploy/base');
});

describe.each(overlays)('%s', (overlay) => {
  let objects: Obj[];
  const manager = ['--field-manager', 'meridian-deploy-test'];

  beforeAll(async () => {
    objects = await render(overlay);
  });

  const applyAll = async (list: Obj[]) => {
    if (list.length > 0) await cluster.kubectlOk(['apply', '--server-side', ...manager, '-f', '-'], toStream(list));
  };

  afterAll(async () => {
    // The next overlay starts from a cluster without these objects (no garbage collector runs
    // here, so pods made below are deleted by name). Namespaces stay: without the namespace
    // controller a deleted one would stay Terminating.
    const namespaced = (objects ?? []).filter((o) => o.kind !== 'Namespace');
    await cluster?.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], toStream(namespaced));
  });

  it('is accepted whole by the API server (server-side apply)', async () => {
    const { before, after } = prerequisites(objects);
    await applyAll(before);
    const res = await cluster.kubectl(
      ['apply', '--server-side', ...manager, '-f', '-', '-o', 'name'],
      toStream(objects),
    );
    expect(res.stderr, res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.trim().split('\n')).toHaveLength(objects.length);
    await applyAll(after);
  });

  it("gets Dapr's sidecar injected into a pod made from each Deployment's template", async () => {
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) {
      const template = d.spec.template;
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...template.metadata, generateName: `${d.metadata.name}-`, namespace: d.metadata.namespace },
        spec: template.spec,
      };
      const res = await cluster.kubectl(
        ['create', `--as=${REPLICASET_CONTROLLER}`, '-o', 'json', '-f', '-'],
        JSON.stringify(pod),
      );
      expect(res.code, `${d.metadata.name}: ${res.stderr}\n${cluster.diagnostics()}`).toBe(0);
      const created = JSON.parse(res.stdout) as Obj;
      objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: created.metadata.name, namespace: d.metadata.namespace },
      });
      if (template.metadata?.annotations?.['dapr.io/enabled'] === 'true') expectSidecar(cluster, created, template);
      else expect((created.spec.containers as Obj[]).map((c) => c.name)).not.toContain('daprd');
    }
  });
});

describe('the API server checks what it is given against the installed CRDs', () => {
  it("has Dapr's injector registered as the pods' mutating webhook, trusted through sentry's anchors", async () => {
    const path = 'jsonpath={.webhooks[0].clientConfig.caBundle}';
    const ca = await cluster.kubectlOk(['get', 'mutatingwebhookconfiguration', 'dapr-sidecar-injector', '-o', path]);
    // The injector replaced the CA the webhook was registered with by sentry's trust anchors.
    expect(Buffer.from(ca, 'base64').toString()).toBe(cluster.trustAnchors);
  });

  it('refuses a Dapr Configuration whose mTLS section lacks what Dapr 1.18 requires', async () => {
    const config = {
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Configuration',
      metadata: { name: 'mtls-incomplete', namespace: 'default' },
      spec: { mtls: { enabled: true } },
    };
    const res = await cluster.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(config));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('spec.mtls.controlPlaneTrustDomain: Required value');
    expect(res.stderr).toContain('spec.mtls.sentryAddress: Required value');
  });

  it('refuses a KEDA ScaledObject without a scale target', async () => {
    const scaled = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'no-target', namespace: 'default' },
      spec: { triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }] },
    };
    const res = await cluster.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(scaled));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('spec.scaleTargetRef: Required value');
  });

  it('admits a pod without Dapr annotations unchanged through the injector', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'plain-', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
    };
    await cluster.kubectlOk(
      ['apply', '--server-side', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }),
    );
    const out = await cluster.kubectlOk(
      ['create', `--as=${REPLICASET_CONTROLLER}`, '-o', 'json', '-f', '-'],
      JSON.stringify(pod),
    );
    expect((JSON.parse(out).spec.containers as Obj[]).map((c) => c.name)).toEqual(['app']);
  });
});
