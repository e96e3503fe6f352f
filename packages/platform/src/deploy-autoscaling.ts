import type { AppSpec } from './apps.ts';
import { profileOf, type ProductionScaling } from './deploy-profiles.ts';
import { deploymentPatch, labelsOf } from './deploy-shared.ts';

/** Where KEDA asks Prometheus for inference's queue depth; point your own overlay at yours. */
export const PROMETHEUS_URL = 'http://prometheus-operated.monitoring.svc:9090';

/** The variable KEDA's Kafka scaler reads the brokers from: the same Secret the pub/sub component reads. */
const BROKERS_ENV = 'MERIDIAN_KAFKA_BROKERS';
const BROKERS_SECRET = 'kafka-brokers';

const target = (app: AppSpec) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name: app.id });

function hpa(app: AppSpec, s: Extract<ProductionScaling, { kind: 'hpa-cpu' }>) {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: app.id, labels: labelsOf(app) },
    spec: {
      scaleTargetRef: target(app),
      minReplicas: s.min,
      maxReplicas: s.max,
      // The app container's CPU alone: the sidecar's would blur it.
      metrics: [
        {
          type: 'ContainerResource',
          containerResource: {
            name: 'cpu',
            container: app.id,
            target: { type: 'Utilization', averageUtilization: s.targetUtilization },
          },
        },
      ],
    },
  };
}

/**
 * Kafka consumer lag of the app's consumer group (pubsub.kafka's
 * consumerGroup is the app id), one trigger per topic: KEDA scales to the
 * largest. KEDA never goes past a topic's partition count.
 */
const kafkaTriggers = (app: AppSpec, s: Extract<ProductionScaling, { kind: 'keda-pubsub' }>) =>
  s.topics.map((topic) => ({
    type: 'kafka',
    name: `lag-${topic.replace(/[^a-z0-9-]/g, '-')}`,
    metadata: {
      bootstrapServersFromEnv: BROKERS_ENV,
      consumerGroup: app.id,
      topic,
      lagThreshold: `${s.lagPerReplica}`,
      // pubsub.kafka starts a new group at the oldest offset (initialOffset: oldest).
      offsetResetPolicy: 'earliest',
    },
  }));

const prometheusTriggers = (s: Extract<ProductionScaling, { kind: 'keda-prometheus' }>) => [
  {
    type: 'prometheus',
    name: 'queue-depth',
    metadata: { serverAddress: PROMETHEUS_URL, query: s.query, threshold: `${s.perReplica}` },
  },
];

function scaledObject(app: AppSpec, s: Extract<ProductionScaling, { kind: 'keda-pubsub' | 'keda-prometheus' }>) {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: app.id, labels: labelsOf(app) },
    spec: {
      scaleTargetRef: { ...target(app), envSourceContainerName: app.id },
      minReplicaCount: s.min,
      maxReplicaCount: s.max,
      pollingInterval: 15,
      cooldownPeriod: 300,
      triggers: s.kind === 'keda-pubsub' ? kafkaTriggers(app, s) : prometheusTriggers(s),
    },
  };
}

/** The production HPA and KEDA ScaledObjects: one per app that production autoscales. */
export function autoscalers(apps: AppSpec[]): unknown[] {
  return apps.flatMap((app): unknown[] => {
    const s = profileOf(app).production;
    if (s.kind === 'hpa-cpu') return [hpa(app, s)];
    if (s.kind === 'keda-pubsub' || s.kind === 'keda-prometheus') return [scaledObject(app, s)];
    return [];
  });
}

/** KEDA resolves `bootstrapServersFromEnv` from the target's container: give the consumers the variable. */
export function brokerEnvPatches(apps: AppSpec[]): unknown[] {
  return apps
    .filter((a) => profileOf(a).production.kind === 'keda-pubsub')
    .map((a) =>
      deploymentPatch(a.id, {
        spec: {
          containers: [
            {
              name: a.id,
              env: [{ name: BROKERS_ENV, valueFrom: { secretKeyRef: { name: BROKERS_SECRET, key: BROKERS_SECRET } } }],
            },
          ],
        },
      }),
    );
}

/** Apps production leaves to an autoscaler: their Deployments carry no replica count (the autoscaler owns it). */
export const autoscaled = (app: AppSpec) => profileOf(app).production.kind !== 'fixed';
