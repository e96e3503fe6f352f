import type { Express } from 'express';
import type { PredictionCounter } from '../domain/prediction-counter.ts';

export interface PredictionRouteDeps {
  counter: Pick<PredictionCounter, 'counts' | 'seen'>;
}

export function predictionRoutes(app: Express, deps: PredictionRouteDeps): void {
  app.get('/v1/monitor/predictions', async (_req, res) => {
    res.json(await deps.counter.counts());
  });

  app.get('/v1/monitor/predictions/:id', async (req, res) => {
    res.json({ id: req.params.id, counted: await deps.counter.seen(req.params.id) });
  });
}
