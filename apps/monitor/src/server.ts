import type { Express } from 'express';
import {
  DaprClient,
  RegistryClient,
  bootEnv,
  runService,
  type DaprEnv,
  type RunningService,
  type ServiceDefinition,
} from '@meridian/service-kit';
import { References } from './adapters/references.ts';
import { SidecarPublisher } from './adapters/sidecar-publisher.ts';
import { Alerts } from './domain/alerts.ts';
import { BiasMonitor } from './domain/bias-monitor.ts';
import { DriftHistoryLog } from './domain/drift-history.ts';
import { DriftMonitor } from './domain/drift-monitor.ts';
import { EventLag } from './domain/event-lag.ts';
import { LabelQuality } from './domain/label-quality.ts';
import { PipelineLedger } from './domain/pipeline-ledger.ts';
import type { EventPublisher, ModelCards, StateStore } from './domain/ports.ts';
import { PredictionCounter } from './domain/prediction-counter.ts';
import { QualityGate } from './domain/quality-gate.ts';
import { PredictionLogConsumer } from './domain/record-predictions.ts';
import { SloTracker } from './domain/slo-tracker.ts';
import { monitorEnv, type MonitorEnv } from './env.ts';
import { alertRoutes, type AlertRouteDeps } from './routes/alert-routes.ts';
import { eventRoutes, type EventRouteDeps } from './routes/event-routes.ts';
import { labelRoutes, type LabelRouteDeps } from './routes/label-routes.ts';
import { modelRoutes, type ModelRouteDeps } from './routes/model-routes.ts';
import { pipelineRoutes, type PipelineRouteDeps } from './routes/pipeline-routes.ts';
import { predictionRoutes, type PredictionRouteDeps } from './routes/prediction-routes.ts';

/** The span GET /v1/monitor/pipeline reports the lag of prediction events over. */
const LAG_WINDOW_SECONDS = 300;

export type MonitorDeps = EventRouteDeps &
  PredictionRouteDeps &
  PipelineRouteDeps &
  LabelRouteDeps &
  ModelRouteDeps &
  AlertRouteDeps & {
    env: DaprEnv & EventRouteDeps['env'];
    /** For readiness: the sidecar's health. */
    dapr: DaprClient;
  };

export function createApp(deps: MonitorDeps): ServiceDefinition {
  return {
    name: 'monitor',
    env: deps.env,
    dapr: deps.dapr,
    subscriptions: eventRoutes(deps),
    routes(app: Express) {
      predictionRoutes(app, deps);
      pipelineRoutes(app, deps);
      labelRoutes(app, deps);
      modelRoutes(app, deps);
      alertRoutes(app, deps);
    },
  };
}

export interface MonitorPorts {
  state: StateStore;
  publisher: EventPublisher;
  cards: ModelCards;
  clock?: () => number;
}

/** The monitor's domain over its ports: what `start` wires to the sidecar, and tests to fakes. */
export function monitorDomain(o: { env: MonitorEnv; ports: MonitorPorts }) {
  const {
    env,
    ports: { state, publisher, cards, clock },
  } = o;
  const store = env.STATE_STORE;
  const counter = new PredictionCounter({ state, store });
  const alerts = new Alerts({ state, store, publisher });
  const gate = new QualityGate({ thresholds: env.QUALITY_THRESHOLDS, alerts });
  const quality = new LabelQuality({ state, store, window: env.QUALITY_WINDOW, gate });
  const bias = new BiasMonitor({ cards, labels: quality });
  const slo = new SloTracker({
    state,
    store,
    window: env.SLO_WINDOW,
    objectives: { latency_p99_ms: env.SLO_LATENCY_P99_MS, error_rate: env.SLO_ERROR_RATE },
  });
  const drift = new DriftMonitor({
    state,
    store,
    cards,
    alerts,
    windowSize: env.DRIFT_WINDOW,
    thresholds: { psi: env.DRIFT_PSI, ks_p_value: env.DRIFT_KS_P_VALUE },
    history: new DriftHistoryLog({ state, store, max: env.DRIFT_HISTORY_WINDOWS }),
    ...(clock ? { clock } : {}),
  });
  const pipeline = new PipelineLedger({ state, store, ...(clock ? { clock } : {}) });
  const lag = new EventLag({ windowSeconds: LAG_WINDOW_SECONDS, ...(clock ? { clock } : {}) });
  const log = new PredictionLogConsumer({ quality, pipeline, slo, drift, counter, bias, lag });
  return { counter, alerts, quality, bias, slo, drift, pipeline, lag, log };
}

export async function start(env = bootEnv(monitorEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  const ports: MonitorPorts = {
    // DaprClient is the state port as it is.
    state: dapr,
    publisher: new SidecarPublisher({ dapr, pubsub: env.PUBSUB_NAME }),
    cards: new References({
      registry: env.REGISTRY_APP_ID
        ? new RegistryClient({ dapr, appId: env.REGISTRY_APP_ID, timeoutMs: 10_000 })
        : undefined,
    }),
  };
  return runService(() => createApp({ env, dapr, ...monitorDomain({ env, ports }) }), { name: 'monitor', env });
}
