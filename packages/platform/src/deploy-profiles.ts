import { Topics } from '@meridian/contracts';
import type { AppSpec } from './apps.ts';
import { NAMESPACE } from './deploy-shared.ts';

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** A directory the app writes to, on its own volume (the root filesystem is read-only). */
export interface WritableDir {
  volume: string;
  path: string;
  /** The variable that tells the app where it is. */
  env: string;
  /** Production keeps it on a PersistentVolumeClaim of this size instead of an emptyDir. */
  productionClaim?: string;
}

/** How production runs an app: a fixed count, or autoscaled between min and max. */
export type ProductionScaling =
  | { kind: 'fixed'; replicas: number }
  | { kind: 'hpa-cpu'; min: number; max: number; targetUtilization: number }
  | { kind: 'keda-pubsub'; min: number; max: number; topics: string[]; lagPerReplica: number }
  | { kind: 'keda-prometheus'; min: number; max: number; query: string; perReplica: number };

export interface AppProfile {
  app: Resources;
  sidecar: Resources;
  dirs: WritableDir[];
  /** Called from outside the mesh (the public edge): the only app with a Service and an open app port. */
  publicEdge: boolean;
  production: ProductionScaling;
  /** Why production runs it that way (how the app keeps its state); printed in the production overlay. */
  why: string;
}

const res = (requests: [string, string], limits: [string, string]): Resources => ({
  requests: { cpu: requests[0], memory: requests[1] },
  limits: { cpu: limits[0], memory: limits[1] },
});

const DEFAULT: AppProfile = {
  app: res(['100m', '128Mi'], ['1', '512Mi']),
  sidecar: res(['100m', '128Mi'], ['1', '512Mi']),
  dirs: [],
  publicEdge: false,
  production: { kind: 'fixed', replicas: 2 },
  why: 'keeps no state of its own in the pod',
};

const MODEL_RUNTIME = res(['500m', '512Mi'], ['2', '2Gi']);

/**
 * Per app, what apps/apps.json does not say: resources, writable directories
 * and how production scales it. An app missing here gets DEFAULT (two
 * replicas, no writable directory but /tmp).
 */
const PROFILES: Record<string, Partial<AppProfile>> = {
  gateway: {
    publicEdge: true,
    production: { kind: 'hpa-cpu', min: 2, max: 10, targetUtilization: 70 },
    why: 'stateless; its rate-limit counters are shared through the state store',
  },
  inference: {
    app: MODEL_RUNTIME,
    dirs: [{ volume: 'models', path: '/var/lib/meridian/models', env: 'MODEL_REPOSITORY' }],
    production: {
      kind: 'keda-prometheus',
      min: 2,
      max: 10,
      query: `sum(meridian_inference_queue_rows{namespace="${NAMESPACE}"})`,
      perReplica: 32,
    },
    why: 'copies the versions the registry names into its own model repository (an emptyDir) at start and on lifecycle events; nothing lives only in the pod',
  },
  monitor: {
    production: {
      kind: 'keda-pubsub',
      min: 2,
      max: 6,
      topics: [Topics.predictions, Topics.labels, Topics.predictionErrors],
      lagPerReplica: 1000,
    },
    why: 'its windows live in the state store, replaced by compare-and-swap, so replicas share them',
  },
  features: {
    // Lag counts events, and an event carries up to MAX_RECORDS_PER_EVENT readings of a mote (a few hundred in a batch of many).
    production: { kind: 'keda-pubsub', min: 2, max: 6, topics: [Topics.sensorReadings], lagPerReplica: 10 },
    why: "each mote's state is one state-store key changed by compare-and-swap; the offline log writes one new object per batch",
  },
  registry: { why: 'versions in the state store, artifacts in the shared artifacts binding (S3)' },
  ingestion: {
    why: 'idempotency keys in the state store (with the MQTT input binding, run one: it is one MQTT client id)',
  },
  agents: { why: "Dapr placement spreads the actors over the replicas; their state is in the actors' state store" },
  training: {
    app: MODEL_RUNTIME,
    dirs: [
      {
        volume: 'training-runs',
        path: '/var/lib/meridian/training-runs',
        env: 'TRAINING_WORK_DIR',
        productionClaim: '10Gi',
      },
    ],
    production: { kind: 'fixed', replicas: 1 },
    why: "a run's steps hand files to each other in TRAINING_WORK_DIR on the pod's disk (a PersistentVolumeClaim in production), and a second replica could run a step without them",
  },
};

export function profileOf(app: AppSpec): AppProfile {
  return { ...DEFAULT, ...PROFILES[app.id] };
}

/** App ids the profile table names: a test checks each is in apps/apps.json. */
export const PROFILED_APPS = Object.keys(PROFILES);

/** The fewest replicas production runs of an app. */
export function productionMinimum(scaling: ProductionScaling): number {
  return scaling.kind === 'fixed' ? scaling.replicas : scaling.min;
}
