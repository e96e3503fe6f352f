import type { Express } from 'express';
import { DriftQuery, DriftReport, Label, LabelBatch, PredictionErrorEvent, PredictionEvent, Topics } from '@meridian/contracts';
import { AppError, DaprClient, RegistryClient, bootEnv, bulkSubscription, parseOrThrow, runService, subscription, type DaprEnv, type RunningService, type ServiceDefinition } from '@meridian/service-kit';
import { References } from './adapters/references.ts';
import { Alerts } from './domain/alerts.ts';
import { BiasMonitor } from './domain/bias-monitor.ts';
import { DriftMonitor } from './domain/drift-monitor.ts';
import { LabelQuality } from './domain/label-quality.ts';
import { PipelineLedger } from './domain/pipeline-ledger.ts';
import { PredictionCounter } from './domain/prediction-counter.ts';
import { QualityGate } from './domain/quality-gate.ts';
import { PredictionLogConsumer } from './domain/record-predictions.ts';
import { SloTracker } from './domain/slo-tracker.ts';
import { monitorEnv } from './env.ts';

export interface MonitorDeps {
  env: DaprEnv & { PUBSUB_NAME: string; BULK_MAX_MESSAGES: number; BULK_MAX_AWAIT_MS: number };
  dapr: DaprClient;
  counter: PredictionCounter;
  quality: LabelQuality;
  drift: DriftMonitor;
  alerts: Alerts;
  bias: BiasMonitor;
  slo: SloTracker;
  pipeline: PipelineLedger;
  log: PredictionLogConsumer;
}

export function createApp(deps: MonitorDeps): ServiceDefinition {
  const bulk = { maxMessagesCount: deps.env.BULK_MAX_MESSAGES, maxAwaitDurationMs: deps.env.BULK_MAX_AWAIT_MS };
  return {
    name: 'monitor',
    env: deps.env,
    dapr: deps.dapr,
    subscriptions: [
      // The prediction log in batches: each batch writes each key it touches once (see PredictionLogConsumer).
      bulkSubscription({
        pubsub: deps.env.PUBSUB_NAME, topic: Topics.predictions, route: '/events/predictions', schema: PredictionEvent,
        bulk,
        handleBatch: (items) => deps.log.predictions(items),
      }),
      subscription({
        pubsub: deps.env.PUBSUB_NAME,
        topic: Topics.labels,
        route: '/events/labels',
        schema: Label,
        // An unmatched label is retried: its prediction may still be on its way.
        handle: async (label) => ((await deps.quality.recordLabels([label])).unmatched.length ? 'RETRY' : 'SUCCESS'),
      }),
      bulkSubscription({
        pubsub: deps.env.PUBSUB_NAME, topic: Topics.predictionErrors, route: '/events/prediction-errors', schema: PredictionErrorEvent,
        bulk,
        handleBatch: (items) => deps.log.errors(items),
      }),
    ],
    routes(app: Express) {
      app.get('/v1/monitor/predictions', async (_req, res) => void res.json(await deps.counter.counts()));
      app.get('/v1/monitor/pipeline', async (req, res) => {
        const entities = typeof req.query.entities === 'string' ? req.query.entities.split(',').filter(Boolean) : undefined;
        res.json(await deps.pipeline.report(entities));
      });
      app.get('/v1/monitor/predictions/:id', async (req, res) => void res.json({ id: req.params.id, counted: await deps.counter.seen(req.params.id) }));
      app.post('/v1/labels', async (req, res) => void res.status(202).json(await deps.quality.recordLabels(parseOrThrow(LabelBatch, req.body, 'labels'))));
      app.get('/v1/monitor/models/:name/drift', async (req, res) => {
        const { version } = parseOrThrow(DriftQuery, req.query, 'query');
        const report = await deps.drift.report(req.params.name, version);
        if (!report) throw new AppError({ code: 'NOT_FOUND', message: `no drift report for ${req.params.name}${version ? ` v${version}` : ''}: the registry does not know it` });
        res.json(DriftReport.parse(report));
      });
      app.get('/v1/monitor/models/:name/bias', async (req, res) => {
        const report = await deps.bias.report(req.params.name);
        if (!report) throw new AppError({ code: 'NOT_FOUND', message: `no fairness report for ${req.params.name}: its registry card has none` });
        res.json(report);
      });
      app.get('/v1/monitor/models/:name/slo', async (req, res) => {
        const report = await deps.slo.report(req.params.name);
        if (!report) throw new AppError({ code: 'NOT_FOUND', message: `no requests of ${req.params.name} in the prediction log yet` });
        res.json(report);
      });
      app.get('/v1/monitor/alerts', async (_req, res) => void res.json(await deps.alerts.list()));
      app.get('/v1/monitor/models/:name/quality', async (req, res) => {
        const report = await deps.quality.report(req.params.name);
        if (!report) throw new AppError({ code: 'NOT_FOUND', message: `no labelled predictions for ${req.params.name} yet` });
        res.json(report);
      });
    },
  };
}

export async function start(env = bootEnv(monitorEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  const counter = new PredictionCounter({ dapr, store: env.STATE_STORE });
  const alerts = new Alerts({ dapr, store: env.STATE_STORE, pubsub: env.PUBSUB_NAME });
  const gate = new QualityGate({ thresholds: env.QUALITY_THRESHOLDS, alerts });
  const quality = new LabelQuality({ dapr, store: env.STATE_STORE, window: env.QUALITY_WINDOW, gate });
  const references = new References({ registry: env.REGISTRY_APP_ID ? new RegistryClient({ dapr, appId: env.REGISTRY_APP_ID, timeoutMs: 10_000 }) : undefined });
  const bias = new BiasMonitor({ references, labels: quality });
  const slo = new SloTracker({ dapr, store: env.STATE_STORE, window: env.SLO_WINDOW, objectives: { latency_p99_ms: env.SLO_LATENCY_P99_MS, error_rate: env.SLO_ERROR_RATE } });
  const drift = new DriftMonitor({
    dapr, store: env.STATE_STORE, cards: references, alerts,
    windowSize: env.DRIFT_WINDOW, thresholds: { psi: env.DRIFT_PSI, ks_p_value: env.DRIFT_KS_P_VALUE },
  });
  const pipeline = new PipelineLedger({ dapr, store: env.STATE_STORE });
  const log = new PredictionLogConsumer({ quality, pipeline, slo, drift, counter, bias });
  return runService(() => createApp({ env, dapr, counter, quality, drift, alerts, bias, slo, pipeline, log }), { name: 'monitor', env });
}
