import type { AppSpec } from './apps.ts';
import { autoscaled, autoscalers, brokerEnvPatches } from './deploy-autoscaling.ts';
import { renderedChoices } from './deploy-components.ts';
import { devRedis, DEV_REDIS_SECRETS } from './deploy-dev-redis.ts';
import { productionMinimum, profileOf } from './deploy-profiles.ts';
import {
  appVersion,
  deploymentPatch,
  imageOf,
  kustomization,
  NAMESPACE,
  PART_OF,
  tokenSecrets,
  yamlFile,
} from './deploy-shared.ts';

/** Each overlay's stack: one deploy/components/<kind>/<choice> folder per kind. */
export const STACKS = {
  dev: { secrets: 'kubernetes', state: 'redis', pubsub: 'redis', artifacts: 'local-storage', conversation: 'echo' },
  production: { secrets: 'kubernetes', state: 'postgres', pubsub: 'kafka', artifacts: 's3', conversation: 'echo' },
} as const;

const stackComponents = (stack: Record<string, string>) =>
  Object.entries(stack).map(([kind, choice]) => `../../components/${kind}/${choice}`);

/** The Secrets an overlay expects in the namespace, besides those it generates itself. */
export function secretsToCreate(apps: AppSpec[], overlay: keyof typeof STACKS): string[] {
  const dirs = stackComponents(STACKS[overlay]).map((c) => c.replace('../../', 'deploy/'));
  const fromComponents = renderedChoices(apps)
    .filter((r) => dirs.includes(r.dir))
    .flatMap((r) => r.secrets);
  const generated: readonly string[] = overlay === 'dev' ? DEV_REDIS_SECRETS : [];
  return [
    ...apps.flatMap((a) => Object.values(tokenSecrets(a))),
    ...new Set(apps.flatMap((a) => a.dapr.secrets)),
    ...new Set(fromComponents),
  ].filter((s) => !generated.includes(s));
}

const images = (apps: AppSpec[]) => apps.map((a) => ({ name: imageOf(a), newTag: appVersion(a) }));

function devOverlay(apps: AppSpec[]): Map<string, string> {
  const comment = [
    'Development: one replica of each app, Redis (in the namespace, not persisted) for state and pub/sub,',
    "artifacts on each pod's disk. Create these Secrets first (docs/kubernetes.md):",
    ...secretsToCreate(apps, 'dev').map((s) => `  ${s}`),
  ].join('\n');
  const body = kustomization({
    namespace: NAMESPACE,
    resources: ['../../base', 'redis.yaml'],
    components: stackComponents(STACKS.dev),
    secretGenerator: [
      { name: 'redis-host', literals: ['redis-host=redis:6379'] },
      { name: 'redis-password', literals: ['redis-password='] },
    ],
    // Dapr components name these Secrets; a hash suffix would leave them pointing nowhere.
    generatorOptions: { disableNameSuffixHash: true, labels: PART_OF },
    replicas: apps.map((a) => ({ name: a.id, count: 1 })),
    images: images(apps),
  });
  return new Map([
    ['deploy/overlays/dev/kustomization.yaml', yamlFile({ comment, doc: body })],
    ['deploy/overlays/dev/redis.yaml', yamlFile(...devRedis())],
  ]);
}

/** Hard spread over nodes, soft over zones; per app (matchLabelKeys) and per rollout (pod-template-hash). */
const topologySpread = deploymentPatch('every-meridian-deployment', {
  spec: {
    topologySpreadConstraints: [
      ['kubernetes.io/hostname', 'DoNotSchedule'],
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ].map(([topologyKey, whenUnsatisfiable]) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable,
      labelSelector: { matchLabels: PART_OF },
      matchLabelKeys: ['app.kubernetes.io/name', 'pod-template-hash'],
    })),
  },
});

/** Writable directories production keeps across restarts: a claim each, and no two pods at once (Recreate). */
function claims(apps: AppSpec[]) {
  const withClaims = apps.map((a) => ({ app: a, dirs: profileOf(a).dirs.filter((d) => d.productionClaim) }));
  return withClaims
    .filter((c) => c.dirs.length)
    .map(({ app, dirs }) => ({
      pvcs: dirs.map((d) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: `${app.id}-${d.volume}`, labels: PART_OF },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: d.productionClaim } } },
      })),
      patch: deploymentPatch(
        app.id,
        {
          spec: {
            volumes: dirs.map((d) => ({
              name: d.volume,
              emptyDir: null,
              persistentVolumeClaim: { claimName: `${app.id}-${d.volume}` },
            })),
          },
        },
        { strategy: { type: 'Recreate', rollingUpdate: null } },
      ),
    }));
}

function productionOverlay(apps: AppSpec[]): Map<string, string> {
  const stored = claims(apps);
  const brokerEnv = brokerEnvPatches(apps);
  const decisions = apps.map((a) => {
    const s = profileOf(a).production;
    const how = s.kind === 'fixed' ? `${s.replicas}` : `${s.min}-${s.max} (${s.kind})`;
    return `  ${a.id}: ${how}: ${profileOf(a).why}`;
  });
  const comment = [
    'Production: HA replicas, topology spread, autoscaling (HPA for the gateway; KEDA on Kafka lag and on',
    "inference's queue depth), PostgreSQL state, Kafka pub/sub, artifacts on S3. Replicas per app, and why:",
    ...decisions,
    'Create these Secrets first (docs/kubernetes.md):',
    ...secretsToCreate(apps, 'production').map((s) => `  ${s}`),
  ].join('\n');
  const body = kustomization({
    namespace: NAMESPACE,
    resources: ['../../base', 'autoscaling.yaml', ...(stored.length ? ['storage.yaml'] : [])],
    components: stackComponents(STACKS.production),
    // Autoscaled apps have no count here: their HPA owns it (a count would reset it on every apply).
    replicas: apps
      .filter((a) => !autoscaled(a))
      .map((a) => ({ name: a.id, count: productionMinimum(profileOf(a).production) })),
    images: images(apps),
    patches: [
      {
        path: 'topology-spread.yaml',
        target: { kind: 'Deployment', labelSelector: 'app.kubernetes.io/part-of=meridian' },
      },
      ...(brokerEnv.length ? [{ path: 'kafka-lag-env.yaml' }] : []),
      ...(stored.length ? [{ path: 'storage-patch.yaml' }] : []),
    ],
  });
  const files = new Map([
    ['deploy/overlays/production/kustomization.yaml', yamlFile({ comment, doc: body })],
    ['deploy/overlays/production/autoscaling.yaml', yamlFile(...autoscalers(apps))],
    ['deploy/overlays/production/topology-spread.yaml', yamlFile(topologySpread)],
  ]);
  const why =
    "KEDA's Kafka scaler reads the brokers from the target's container (bootstrapServersFromEnv); the app ignores it.";
  if (brokerEnv.length)
    files.set(
      'deploy/overlays/production/kafka-lag-env.yaml',
      yamlFile({ comment: why, doc: brokerEnv[0] }, ...brokerEnv.slice(1)),
    );
  if (stored.length) {
    files.set('deploy/overlays/production/storage.yaml', yamlFile(...stored.flatMap((s) => s.pvcs)));
    files.set('deploy/overlays/production/storage-patch.yaml', yamlFile(...stored.map((s) => s.patch)));
  }
  return files;
}

export function overlayFiles(apps: AppSpec[]): Map<string, string> {
  if (STACKS.production.pubsub !== 'kafka') throw new Error('the production autoscalers read Kafka consumer lag');
  return new Map([...devOverlay(apps), ...productionOverlay(apps)]);
}
