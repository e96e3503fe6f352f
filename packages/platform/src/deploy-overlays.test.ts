import { describe, expect, it } from 'vitest';
import { loadApps } from './apps.ts';
import { secretsToCreate } from './deploy-overlays.ts';
import { appVersion, NAMESPACE } from './deploy-shared.ts';
import { kustomize, named, ofKind, type Manifest } from './deploy-testing.ts';
import { deployFiles } from './deploy.ts';

const apps = loadApps();
const files = deployFiles(apps);
const dev = kustomize(files, 'deploy/overlays/dev');
const production = kustomize(files, 'deploy/overlays/production');
const meridian = (docs: Manifest[]) =>
  ofKind(docs, 'Deployment').filter((d) => d.metadata.labels['app.kubernetes.io/part-of'] === 'meridian');
const componentType = (docs: Manifest[], name: string) => named(docs, 'Component', name)?.spec.type;

/** Every Secret name the rendered objects reference: Dapr components, container env, sidecar annotations. */
function referencedSecrets(docs: Manifest[]): Set<string> {
  const names = new Set<string>();
  for (const c of ofKind(docs, 'Component'))
    for (const m of c.spec.metadata) if (m.secretKeyRef) names.add(m.secretKeyRef.name);
  for (const d of ofKind(docs, 'Deployment')) {
    for (const c of d.spec.template.spec.containers)
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) names.add(e.valueFrom.secretKeyRef.name);
    const a = d.spec.template.metadata.annotations ?? {};
    for (const k of ['dapr.io/api-token-secret', 'dapr.io/app-token-secret']) if (a[k]) names.add(a[k]);
  }
  return names;
}

describe.each([
  ['dev', dev],
  ['production', production],
] as const)('kubectl kustomize deploy/overlays/%s', (overlay, docs) => {
  it('when rendered, then every app has its Deployment, identity, Configuration and a component of each kind, all in one namespace', () => {
    for (const kind of ['Deployment', 'ServiceAccount', 'Configuration', 'PodDisruptionBudget'])
      expect(ofKind(docs, kind).map((d) => d.metadata.name)).toEqual(expect.arrayContaining(apps.map((a) => a.id)));
    expect(
      ofKind(docs, 'Component')
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual(['artifacts', 'llm', 'pubsub', 'secretstore', 'statestore'].sort());
    expect(ofKind(docs, 'Resiliency')).toHaveLength(1);
    expect(named(docs, 'Namespace', NAMESPACE)).toBeDefined();
    for (const d of docs.filter((x) => x.kind !== 'Namespace')) expect(d.metadata.namespace, d.kind).toBe(NAMESPACE);
  });

  it('when images are named, then each is meridian/<app id> tagged with its package.json version', () => {
    for (const app of apps) {
      const c = named(docs, 'Deployment', app.id)!.spec.template.spec.containers[0];
      expect(c.image).toBe(`meridian/${app.id}:${appVersion(app)}`);
    }
  });

  it('when a Secret is referenced, then the overlay generates it or lists it among the Secrets to create', () => {
    const generatedHere = ofKind(docs, 'Secret').map((s) => s.metadata.name);
    const expected = new Set([...generatedHere, ...secretsToCreate(apps, overlay)]);
    expect([...referencedSecrets(docs)].filter((s) => !expected.has(s))).toEqual([]);
    expect(secretsToCreate(apps, overlay)).toContain('jwt-verification-keys');
  });
});

describe('the dev overlay', () => {
  it('when rendered, then each app runs one replica on Redis state and pub/sub, with a Redis of its own', () => {
    for (const d of meridian(dev)) expect(d.spec.replicas, d.metadata.name).toBe(1);
    expect(componentType(dev, 'statestore')).toBe('state.redis');
    expect(componentType(dev, 'pubsub')).toBe('pubsub.redis');
    expect(componentType(dev, 'artifacts')).toBe('bindings.localstorage');
    expect(named(dev, 'Deployment', 'redis')).toBeDefined();
    expect(
      ofKind(dev, 'Secret')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(['redis-host', 'redis-password']);
    expect(ofKind(dev, 'ScaledObject')).toEqual([]);
    expect(ofKind(dev, 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('when artifacts are on local storage, then every app using them mounts a volume into its sidecar', () => {
    for (const app of apps.filter((a) => a.dapr.components.includes('artifacts'))) {
      const d = named(dev, 'Deployment', app.id)!;
      const [volume, path] = d.spec.template.metadata.annotations['dapr.io/volume-mounts-rw'].split(':');
      expect(d.spec.template.spec.volumes.map((v: Manifest) => v.name)).toContain(volume);
      expect(named(dev, 'Component', 'artifacts')!.spec.metadata).toContainEqual({ name: 'rootPath', value: path });
    }
  });
});

describe('the production overlay', () => {
  const hpas = ofKind(production, 'HorizontalPodAutoscaler');
  const scaled = ofKind(production, 'ScaledObject');
  const minimum = (id: string) => {
    const h = hpas.find((x) => x.spec.scaleTargetRef.name === id);
    const s = scaled.find((x) => x.spec.scaleTargetRef.name === id);
    return h?.spec.minReplicas ?? s?.spec.minReplicaCount ?? named(production, 'Deployment', id)!.spec.replicas;
  };

  it('when rendered, then every app but training runs at least two replicas, and an autoscaled one has no fixed count', () => {
    for (const app of apps.filter((a) => a.id !== 'training'))
      expect(minimum(app.id), app.id).toBeGreaterThanOrEqual(2);
    for (const t of [...hpas, ...scaled])
      expect(named(production, 'Deployment', t.spec.scaleTargetRef.name)!.spec.replicas).toBeUndefined();
    expect(minimum('training')).toBe(1);
  });

  it('when training runs, then its work directory is a claim and a rollout stops the old pod first', () => {
    const d = named(production, 'Deployment', 'training')!;
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const volume = d.spec.template.spec.volumes.find((v: Manifest) => v.name === 'training-runs');
    expect(volume).toEqual({ name: 'training-runs', persistentVolumeClaim: { claimName: 'training-training-runs' } });
    expect(named(production, 'PersistentVolumeClaim', 'training-training-runs')).toBeDefined();
  });

  it('when pods are scheduled, then each Deployment spreads over nodes (hard) and zones (soft) per app', () => {
    for (const d of meridian(production)) {
      const spread = d.spec.template.spec.topologySpreadConstraints;
      expect(
        spread.map((s: Manifest) => [s.topologyKey, s.whenUnsatisfiable]),
        d.metadata.name,
      ).toEqual([
        ['kubernetes.io/hostname', 'DoNotSchedule'],
        ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
      ]);
      for (const s of spread) expect(s.matchLabelKeys).toContain('app.kubernetes.io/name');
    }
  });

  it("when load grows, then the gateway scales on its container's CPU, features and monitor on Kafka lag, inference on its queue", () => {
    expect(
      hpas.map((h) => [h.apiVersion, h.spec.scaleTargetRef.name, h.spec.metrics[0].containerResource.name]),
    ).toEqual([['autoscaling/v2', 'gateway', 'cpu']]);
    const triggers = (id: string) => scaled.find((s) => s.metadata.name === id)!.spec.triggers as Manifest[];
    for (const id of ['features', 'monitor']) {
      expect(triggers(id).length, id).toBeGreaterThan(0);
      for (const t of triggers(id)) {
        expect(t.type).toBe('kafka');
        expect(t.metadata.consumerGroup).toBe(id);
        const env = named(production, 'Deployment', id)!.spec.template.spec.containers[0].env.map(
          (e: Manifest) => e.name,
        );
        expect(env).toContain(t.metadata.bootstrapServersFromEnv);
      }
    }
    expect(
      triggers('monitor')
        .map((t) => t.metadata.topic)
        .sort(),
    ).toEqual(['labels', 'prediction-errors', 'predictions']);
    expect(triggers('inference').map((t) => [t.type, t.metadata.query])).toEqual([
      ['prometheus', `sum(meridian_inference_queue_rows{namespace="${NAMESPACE}"})`],
    ]);
  });

  it('when backends are chosen, then state is PostgreSQL, pub/sub Kafka and artifacts an S3 binding', () => {
    expect(componentType(production, 'statestore')).toBe('state.postgresql');
    expect(componentType(production, 'pubsub')).toBe('pubsub.kafka');
    expect(componentType(production, 'artifacts')).toBe('bindings.aws.s3');
    expect(ofKind(production, 'Secret')).toEqual([]);
  });
});
