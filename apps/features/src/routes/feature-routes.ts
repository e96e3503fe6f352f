import type { Express } from 'express';
import {
  FeaturesStats,
  FeatureVectorsRequest,
  type FeatureVectorsResponse,
  type OnlineFeatures,
} from '@meridian/contracts';
import { assertSensorWindowSpec, windowFeatureNames, type SensorWindowSpec } from '@meridian/ml';
import { AppError, badRequest, parseOrThrow } from '@meridian/service-kit';
import { onlineVector } from '../domain/mote-state.ts';
import type { ConsumptionMeter } from '../domain/consumption-meter.ts';
import type { EntityStates, FeatureLog } from '../domain/ports.ts';
import type { ProcessorStats } from '../domain/stream-processor.ts';
import { onlineReadQuery } from './online-query.ts';

export interface FeatureRouteDeps {
  store: Pick<EntityStates, 'load'>;
  offlineLog: Pick<FeatureLog, 'read'>;
  processor: { stats: ProcessorStats };
  /** How far this process has got through the readings topic (ingestion's backpressure reads it). */
  meter: Pick<ConsumptionMeter, 'report'>;
  /** The app's own window spec: what every reading is scored with, and what a read without a spec answers. */
  spec: SensorWindowSpec;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function featureRoutes(app: Express, deps: FeatureRouteDeps): void {
  app.get('/v1/features/sensor/:entity', async (req, res) => {
    const { spec, seconds } = onlineReadQuery(req.query, deps.spec);
    const [loaded] = await deps.store.load([req.params.entity]);
    const state = loaded?.state;
    const vector = state ? onlineVector(state, spec, seconds) : undefined;
    if (!state || !vector)
      throw new AppError({
        code: 'NOT_FOUND',
        message: `no readings of mote ${req.params.entity} (never seen, or older than the feature TTL)`,
      });
    const names = windowFeatureNames(spec);
    const body: OnlineFeatures = {
      entity: state.entity,
      spec: { ...spec, features: [...spec.features] },
      ...(seconds !== undefined ? { seconds } : {}),
      names,
      values: vector.values,
      features: Object.fromEntries(names.map((n, i) => [n, vector.values[i]!])),
      readings_applied: state.seq,
      readings_kept: state.history.length,
      as_of: vector.as_of,
      updated_at: state.updated_at,
    };
    res.json(body);
  });

  app.post('/v1/features/sensor/vectors', async (req, res) => {
    const body = parseOrThrow(FeatureVectorsRequest, req.body, 'feature vectors request');
    const spec = body.spec as SensorWindowSpec;
    assertSensorWindowSpec(spec);
    const loaded = await deps.store.load([...new Set(body.entities)]);
    const byEntity = new Map(
      loaded.map((l) => [l.entity, l.state ? onlineVector(l.state, spec, body.seconds) : undefined]),
    );
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
    if (!DAY.test(from) || !DAY.test(to))
      throw badRequest('from and to are days, YYYY-MM-DD', [
        { path: 'query', message: 'from and to must be YYYY-MM-DD' },
      ]);
    const rows = await deps.offlineLog.read({
      from,
      to,
      ...(typeof req.query.entity === 'string' ? { entity: req.query.entity } : {}),
    });
    res.json({ from, to, rows });
  });

  app.get('/v1/features/stats', (_req, res) => {
    const stats = { spec: deps.spec, names: windowFeatureNames(deps.spec), ...deps.processor.stats };
    res.json(FeaturesStats.parse({ ...stats, consumer: deps.meter.report() }));
  });
}
