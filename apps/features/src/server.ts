import type { Express, Request } from 'express';
import { FeatureVectorsRequest, IngestedRecordEvent, type FeatureVectorsResponse, type OnlineFeatures } from '@meridian/contracts';
import { assertSensorWindowSpec, sensorWindowSpec, windowFeatureNames, type SensorWindowSpec } from '@meridian/ml';
import { AppError, ArtifactsBinding, DaprClient, InferenceClient, KeyedLock, badRequest, bootEnv, bulkSubscription, parseOrThrow, runService, type DaprEnv, type RunningService, type ServiceDefinition } from '@meridian/service-kit';
import { EntityStore } from './adapters/entity-store.ts';
import { OfflineLog } from './adapters/offline-log.ts';
import { Scorer } from './adapters/scorer.ts';

import { onlineVector } from './domain/mote-state.ts';
import { StreamProcessor } from './domain/stream-processor.ts';
import { featuresEnv } from './env.ts';

export interface FeaturesDeps {
  env: DaprEnv & { PUBSUB_NAME: string; READINGS_TOPIC: string; BULK_MAX_MESSAGES: number; BULK_MAX_AWAIT_MS: number };
  dapr: DaprClient;
  store: EntityStore;
  processor: StreamProcessor;
  offlineLog: OfflineLog;
  spec: SensorWindowSpec;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The spec of a request: the app's own, or one given in the query (window, stats) — checked like a model card's. */
function specFromQuery(req: Request, fallback: SensorWindowSpec): SensorWindowSpec {
  const { window, stats } = req.query;
  if (window === undefined && stats === undefined) return fallback;
  try {
    return sensorWindowSpec(window === undefined ? fallback.window : Number(window), typeof stats === 'string' ? stats.split(',').filter(Boolean) as SensorWindowSpec['features'] : fallback.features);
  } catch (err) {
    throw badRequest((err as Error).message, [{ path: 'query', message: (err as Error).message }]);
  }
}

function secondsFromQuery(req: Request): number | undefined {
  if (req.query.seconds === undefined) return undefined;
  const seconds = Number(req.query.seconds);
  if (!(seconds > 0)) throw badRequest('seconds must be a positive number', [{ path: 'query.seconds', message: 'a positive number' }]);
  return seconds;
}

export function createApp(deps: FeaturesDeps): ServiceDefinition {
  return {
    name: 'features',
    env: deps.env,
    dapr: deps.dapr,
    bodyLimits: [{ path: /^\/events\//, limit: '64mb' }],
    subscriptions: [
      bulkSubscription({
        pubsub: deps.env.PUBSUB_NAME,
        topic: deps.env.READINGS_TOPIC,
        route: '/events/sensor-readings',
        schema: IngestedRecordEvent,
        bulk: { maxMessagesCount: deps.env.BULK_MAX_MESSAGES, maxAwaitDurationMs: deps.env.BULK_MAX_AWAIT_MS },
        handleBatch: (items) => deps.processor.process(items.map((i) => ({ entryId: i.entryId, event: i.data }))),
      }),
    ],
    routes(app: Express) {
      app.get('/v1/features/sensor/:entity', async (req, res) => {
        const spec = specFromQuery(req, deps.spec);
        const seconds = secondsFromQuery(req);
        const [loaded] = await deps.store.load([req.params.entity]);
        const state = loaded?.state;
        const vector = state ? onlineVector(state, spec, seconds) : undefined;
        if (!state || !vector) throw new AppError({ code: 'NOT_FOUND', message: `no readings of mote ${req.params.entity} (never seen, or older than the feature TTL)` });
        const names = windowFeatureNames(spec);
        const body: OnlineFeatures = {
          entity: state.entity, spec: { ...spec, features: [...spec.features] }, ...(seconds !== undefined ? { seconds } : {}),
          names, values: vector.values, features: Object.fromEntries(names.map((n, i) => [n, vector.values[i]!])),
          readings_applied: state.seq, readings_kept: state.history.length, as_of: vector.as_of, updated_at: state.updated_at,
        };
        res.json(body);
      });
      app.post('/v1/features/sensor/vectors', async (req, res) => {
        const body = parseOrThrow(FeatureVectorsRequest, req.body, 'feature vectors request');
        const spec = body.spec as SensorWindowSpec;
        assertSensorWindowSpec(spec);
        const loaded = await deps.store.load([...new Set(body.entities)]);
        const byEntity = new Map(loaded.map((l) => [l.entity, l.state ? onlineVector(l.state, spec, body.seconds) : undefined]));
        const answer: FeatureVectorsResponse = { names: windowFeatureNames(spec), rows: [], missing: [] };
        for (const entity of body.entities) {
          const v = byEntity.get(entity);
          if (v) answer.rows.push({ entity, values: v.values, as_of: v.as_of });
          else answer.missing.push(entity);
        }
        res.json(answer);
      });
      app.get('/v1/features/offline', async (req, res) => {
        const today = new Date().toISOString().slice(0, 10);
        const from = typeof req.query.from === 'string' ? req.query.from : today;
        const to = typeof req.query.to === 'string' ? req.query.to : today;
        if (!DAY.test(from) || !DAY.test(to)) throw badRequest('from and to are days, YYYY-MM-DD', [{ path: 'query', message: 'from and to must be YYYY-MM-DD' }]);
        const rows = await deps.offlineLog.read({ from, to, ...(typeof req.query.entity === 'string' ? { entity: req.query.entity } : {}) });
        res.json({ from, to, rows });
      });
      app.get('/v1/features/stats', (_req, res) => void res.json({ spec: deps.spec, names: windowFeatureNames(deps.spec), ...deps.processor.stats }));
    },
  };
}

export async function start(env = bootEnv(featuresEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  const spec = sensorWindowSpec(env.FEATURE_WINDOW, env.FEATURE_STATS);
  const names = windowFeatureNames(spec);
  const store = new EntityStore({ dapr, store: env.STATE_STORE, ttlSeconds: env.FEATURE_TTL_SECONDS });
  const offlineLog = new OfflineLog({ artifacts: new ArtifactsBinding({ dapr, binding: env.ARTIFACTS_BINDING }), names });
  const processor = new StreamProcessor({
    store, lock: new KeyedLock(), spec, historySize: Math.max(env.HISTORY_SIZE, spec.window + 1), keysSize: env.KEYS_PER_ENTITY,
    scorer: env.SCORING_MODEL ? new Scorer({ inference: new InferenceClient({ dapr, appId: env.INFERENCE_APP_ID }), model: env.SCORING_MODEL, names }) : undefined,
    offlineLog: env.OFFLINE_LOG === 'on' ? offlineLog : undefined,
    clock: () => new Date(),
  });
  return runService(() => createApp({ env, dapr, store, processor, offlineLog, spec }), { name: 'features', env });
}
