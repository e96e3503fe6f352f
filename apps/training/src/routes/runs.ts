import type { Express } from 'express';
import { RunListQuery, StartRunRequest } from '@meridian/contracts';
import { parseOrThrow } from '@meridian/service-kit';
import type { Runs } from '../domain/runs.ts';

/** POST /v1/training/runs (202 {id}), GET /v1/training/runs (the latest, newest first), GET /v1/training/runs/{id}, and the Dapr Jobs callback for schedules. */
export function runRoutes(app: Express, deps: { runs: Runs }): void {
  app.post('/v1/training/runs', async (req, res) => {
    const body = parseOrThrow(StartRunRequest, req.body, 'training run request');
    const id = await deps.runs.start({ ...body, trigger: body.trigger ?? 'api' });
    res.status(202).location(`/v1/training/runs/${id}`).json({ id });
  });
  app.get('/v1/training/runs', async (req, res) => {
    const { limit } = parseOrThrow(RunListQuery, req.query, 'query');
    res.json(await deps.runs.list({ limit }));
  });
  app.get('/v1/training/runs/:id', async (req, res) => void res.json(await deps.runs.status(req.params.id)));
  // Dapr Jobs: the sidecar calls POST /job/<name> when a scheduled job is due.
  app.post('/job/:name', async (req, res) => {
    const model = req.params.name.replace(/^retrain-/, '');
    const id = await deps.runs.start({ model, trigger: 'schedule' });
    res.json({ id });
  });
}
