import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadApps, type AppSpec } from './apps.ts';
import { appConfiguration } from './dapr-configuration.ts';
import { PROFILED_APPS } from './deploy-profiles.ts';
import { DAPR_INTERNAL_GRPC_PORT, DAPR_SYSTEM_NAMESPACE, NAMESPACE, RUN_AS } from './deploy-shared.ts';
import { generated, named, ofKind, type Manifest } from './deploy-testing.ts';
import { deployFiles } from './deploy.ts';
import { repoPath } from './paths.ts';

const apps = loadApps();
const files = deployFiles(apps);
const base = generated(files, 'deploy/base/');
const deployments = ofKind(base, 'Deployment');
const podOf = (d: Manifest) => d.spec.template.spec;
const appContainer = (d: Manifest) => podOf(d).containers.find((c: Manifest) => c.name === d.metadata.name);

describe('deploy/base', () => {
  it('when rendered, then there is one Deployment, ServiceAccount, PodDisruptionBudget and Configuration per app', () => {
    for (const kind of ['Deployment', 'ServiceAccount', 'PodDisruptionBudget', 'Configuration'])
      expect(
        ofKind(base, kind)
          .map((d) => d.metadata.name)
          .sort(),
        kind,
      ).toEqual(apps.map((a) => a.id).sort());
  });

  it('when a pod runs, then it is non-root with a read-only root filesystem, no privilege escalation, no capabilities and RuntimeDefault seccomp', () => {
    for (const d of deployments) {
      expect(podOf(d).securityContext, d.metadata.name).toMatchObject({
        runAsNonRoot: true,
        runAsUser: RUN_AS,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(appContainer(d).securityContext, d.metadata.name).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(d.spec.template.metadata.annotations['dapr.io/sidecar-seccomp-profile-type']).toBe('RuntimeDefault');
    }
  });

  it('when an app writes files, then /tmp and every directory it is pointed at are volumes of their own', () => {
    for (const d of deployments) {
      const c = appContainer(d);
      const mounts = c.volumeMounts.map((m: Manifest) => m.mountPath);
      const volumes = podOf(d).volumes.map((v: Manifest) => v.name);
      expect(mounts, d.metadata.name).toContain('/tmp');
      for (const m of c.volumeMounts) expect(volumes).toContain(m.name);
      const dirs = c.env.filter((e: Manifest) => String(e.value).startsWith('/'));
      for (const e of dirs) expect(mounts, `${d.metadata.name} ${e.name}`).toContain(e.value);
    }
    const envOf = (id: string) => appContainer(named(base, 'Deployment', id)!).env.map((e: Manifest) => e.name);
    expect(envOf('inference')).toContain('MODEL_REPOSITORY');
    expect(envOf('training')).toContain('TRAINING_WORK_DIR');
  });

  it('when the kubelet probes an app, then liveness and startup ask /healthz and readiness /readyz on its app port, and it has requests and limits', () => {
    for (const app of apps) {
      const c = appContainer(named(base, 'Deployment', app.id)!);
      expect(c.ports).toEqual([{ name: 'http', containerPort: app.port, protocol: 'TCP' }]);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      for (const side of ['requests', 'limits'])
        expect(Object.keys(c.resources[side]).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it("when Dapr injects a sidecar, then the annotations give it the app's id, port, Configuration, token Secrets and resources", () => {
    for (const app of apps) {
      const a = named(base, 'Deployment', app.id)!.spec.template.metadata.annotations;
      expect(a).toMatchObject({
        'dapr.io/enabled': 'true',
        'dapr.io/app-id': app.id,
        'dapr.io/app-port': `${app.port}`,
        'dapr.io/config': app.id,
        'dapr.io/api-token-secret': `${app.id}-dapr-api-token`,
        'dapr.io/app-token-secret': `${app.id}-app-api-token`,
        'dapr.io/log-as-json': 'true',
        'dapr.io/enable-metrics': 'true',
        'dapr.io/disable-builtin-k8s-secret-store': 'true',
      });
      for (const k of ['cpu-request', 'cpu-limit', 'memory-request', 'memory-limit'])
        expect(a[`dapr.io/sidecar-${k}`], `${app.id} ${k}`).toMatch(/^\d+(m|Mi|Gi)?$/);
      // The collector as local sidecars run it, bounded below the sidecar's memory limit.
      const limitMiB = Number(/^(\d+)Mi$/.exec(a['dapr.io/sidecar-memory-limit'] ?? '')?.[1]);
      expect(a['dapr.io/env'], app.id).toBe(`GOGC=400,GOMEMLIMIT=${Math.floor(limitMiB * 0.9)}MiB`);
      expect(named(base, 'Configuration', a['dapr.io/config'])).toBeDefined();
    }
  });

  it('when a Configuration is rendered for Kubernetes, then mTLS names the control plane as Dapr 1.18 requires and callers are in the deploy namespace', () => {
    for (const c of ofKind(base, 'Configuration')) {
      expect(c.spec.mtls).toEqual({
        enabled: true,
        controlPlaneTrustDomain: 'cluster.local',
        sentryAddress: 'dapr-sentry.dapr-system.svc.cluster.local:443',
      });
      expect(c.spec.nameResolution).toBeUndefined();
      for (const p of c.spec.accessControl.policies) expect(p.namespace).toBe(NAMESPACE);
    }
    expect(named(base, 'Configuration', 'inference')!.spec.accessControl.policies.length).toBeGreaterThan(0);
    const selfHosted = appConfiguration(apps.find((a) => a.id === 'inference')!, { selfHosted: true });
    expect(selfHosted.spec.mtls).toEqual({ enabled: true });
    expect(selfHosted.spec.accessControl.policies.every((p) => p.namespace === 'default')).toBe(true);
  });

  it('when looking for Services, then only the gateway has one, and it targets its app port', () => {
    expect(ofKind(base, 'Service').map((s) => s.metadata.name)).toEqual(['gateway']);
    expect(named(base, 'Service', 'gateway')!.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  it('when pods get Kubernetes API tokens, then none does but the sidecar of an app with a secret store, with read access to its own secrets only', () => {
    for (const sa of ofKind(base, 'ServiceAccount')) expect(sa.automountServiceAccountToken).toBe(false);
    for (const d of deployments) {
      expect(podOf(d).automountServiceAccountToken).toBe(false);
      expect(podOf(d).serviceAccountName).toBe(d.metadata.name);
      const app = apps.find((a) => a.id === d.metadata.name)!;
      const mountsApi = d.spec.template.metadata.annotations['dapr.io/volume-mounts'] !== undefined;
      expect(mountsApi, app.id).toBe(app.dapr.components.includes('secretstore'));
      expect(appContainer(d).volumeMounts.some((m: Manifest) => m.mountPath.includes('serviceaccount'))).toBe(false);
    }
    expect(ofKind(base, 'Role').map((r) => [r.metadata.name, r.rules])).toEqual([
      [
        'gateway-secret-reader',
        [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['jwt-verification-keys'], verbs: ['get'] }],
      ],
    ]);
  });

  it('when a PodDisruptionBudget is set, then one pod may always be evicted, so a single replica still drains', () => {
    for (const pdb of ofKind(base, 'PodDisruptionBudget')) expect(pdb.spec.maxUnavailable).toBe(1);
  });

  it('when deploy/ is listed, then every manifest in it is one the generator writes (no leftovers)', () => {
    const onDisk = readdirSync(repoPath('deploy'), { recursive: true, encoding: 'utf8' })
      .filter((p) => p.endsWith('.yaml'))
      .map((p) => `deploy/${p}`);
    expect(onDisk.filter((p) => !files.has(p))).toEqual([]);
  });

  it('when the profile table names apps, then each is in apps/apps.json', () => {
    expect(apps.map((a) => a.id)).toEqual(expect.arrayContaining(PROFILED_APPS));
  });
});

describe('deploy/base network policies', () => {
  const policies = ofKind(base, 'NetworkPolicy');
  const ports = (p: Manifest) => (p.spec.ingress ?? []).flatMap((r: Manifest) => r.ports.map((x: Manifest) => x.port));

  it('when no policy allows it, then ingress is denied to every pod of the namespace', () => {
    expect(named(base, 'NetworkPolicy', 'default-deny-ingress')!.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
    });
  });

  it("when traffic comes from anywhere, then only the gateway's app port takes it", () => {
    const open = policies.filter((p) => p.spec.ingress?.some((r: Manifest) => !r.from));
    expect(open.map((p) => [p.spec.podSelector.matchLabels['app.kubernetes.io/name'], ports(p)])).toEqual([
      ['gateway', [8080]],
    ]);
  });

  it('when a sidecar calls another, then the internal gRPC port is open to Meridian pods and the Dapr control plane only', () => {
    const sidecars = policies.filter((p) => ports(p).includes(DAPR_INTERNAL_GRPC_PORT));
    expect(sidecars).toHaveLength(1);
    expect(sidecars[0]!.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'meridian' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': DAPR_SYSTEM_NAMESPACE } } },
    ]);
  });

  it('when an app is not the public edge, then its port is open to metrics scrapers at most (its own sidecar reaches it over loopback)', () => {
    for (const app of apps.filter((a) => a.id !== 'gateway')) {
      const opening = policies.filter((p) => ports(p).includes(app.port));
      for (const p of opening)
        expect(p.spec.ingress[0].from, app.id).toEqual([
          { namespaceSelector: { matchLabels: { 'meridian.dev/metrics-scraper': 'true' } } },
        ]);
    }
    expect(policies.filter((p) => ports(p).includes(8081)).map((p) => p.metadata.name)).toEqual(['inference-metrics']);
  });
});

describe('deploy/components', () => {
  const components = ofKind(generated(files, 'deploy/components/'), 'Component').filter(
    (c) => c.apiVersion === 'dapr.io/v1alpha1',
  );
  const users = (name: string, list: AppSpec[] = apps) =>
    list.filter((a) => a.dapr.components.includes(name)).map((a) => a.id);

  it('when a component is rendered for Kubernetes, then its scopes are exactly the apps that list it', () => {
    expect(components.length).toBeGreaterThanOrEqual(10);
    for (const c of components) expect(c.scopes, `${c.metadata.name} ${c.spec.type}`).toEqual(users(c.metadata.name));
    expect(components.find((c) => c.spec.type === 'secretstores.kubernetes')!.scopes).toEqual(['gateway']);
  });

  it('when an app starts using a component, then its scopes follow apps/apps.json', () => {
    const changed = apps.map((a) =>
      a.id === 'monitor' ? { ...a, dapr: { ...a.dapr, components: [...a.dapr.components, 'artifacts'] } } : a,
    );
    const s3 = manifestsOf(deployFiles(changed), 'deploy/components/artifacts/s3/artifacts.yaml')[0]!;
    expect(s3.scopes).toEqual(users('artifacts', changed));
    expect(s3.scopes).toContain('monitor');
  });

  it('when a component needs a connection or a credential, then it comes from a Kubernetes Secret through the operator, never from localhost or the environment', () => {
    for (const c of components) {
      const text = JSON.stringify(c);
      expect(text, c.spec.type).not.toMatch(/localhost|127\.0\.0\.1|envRef/);
      const refs = c.spec.metadata.filter((m: Manifest) => m.secretKeyRef);
      if (refs.length) expect(c.auth, c.spec.type).toEqual({ secretStore: 'kubernetes' });
      else expect(c.auth).toBeUndefined();
      for (const m of refs) expect(m.secretKeyRef.key).toBe(m.secretKeyRef.name);
    }
    const types = components.map((c) => c.spec.type);
    for (const t of [
      'state.redis',
      'state.postgresql',
      'pubsub.redis',
      'pubsub.kafka',
      'pubsub.rabbitmq',
      'bindings.aws.s3',
    ])
      expect(types).toContain(t);
  });
});

describe('the metric KEDA scales inference on', () => {
  it('when the inference app is read, then it exports the queue-depth gauge the production query names', () => {
    const scaled = generated(files, 'deploy/overlays/production/autoscaling.yaml');
    const query = named(scaled, 'ScaledObject', 'inference')!.spec.triggers[0].metadata.query as string;
    const metric = query.match(/meridian_[a-z_]+/)![0];
    expect(readFileSync(repoPath('apps/inference/src/domain/metrics.ts'), 'utf8')).toContain(`name: '${metric}'`);
  });
});

function manifestsOf(all: Map<string, string>, path: string): Manifest[] {
  return generated(new Map([[path, all.get(path)!]]), path);
}
