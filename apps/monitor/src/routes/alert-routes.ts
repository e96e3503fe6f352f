import type { Express } from 'express';
import type { Alerts } from '../domain/alerts.ts';

export interface AlertRouteDeps {
  alerts: Pick<Alerts, 'list'>;
}

export function alertRoutes(app: Express, deps: AlertRouteDeps): void {
  app.get('/v1/monitor/alerts', async (_req, res) => {
    res.json(await deps.alerts.list());
  });
}
