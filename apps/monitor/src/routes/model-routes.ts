import type { Express } from 'express';
import { DriftHistory, DriftQuery, DriftReport } from '@meridian/contracts';
import { AppError, parseOrThrow } from '@meridian/service-kit';
import type { BiasMonitor } from '../domain/bias-monitor.ts';
import type { DriftMonitor } from '../domain/drift-monitor.ts';
import type { LabelQuality } from '../domain/label-quality.ts';
import type { SloTracker } from '../domain/slo-tracker.ts';

export interface ModelRouteDeps {
  drift: Pick<DriftMonitor, 'report' | 'history'>;
  bias: Pick<BiasMonitor, 'report'>;
  slo: Pick<SloTracker, 'report'>;
  quality: Pick<LabelQuality, 'report'>;
}

/** One model's reports: drift (its latest window and its closed ones), fairness, SLOs and quality; 404 where there is nothing to report on yet. */
export function modelRoutes(app: Express, deps: ModelRouteDeps): void {
  app.get('/v1/monitor/models/:name/drift', async (req, res) => {
    const { version } = parseOrThrow(DriftQuery, req.query, 'query');
    const report = await deps.drift.report(req.params.name, version);
    if (!report)
      throw new AppError({
        code: 'NOT_FOUND',
        message: `no drift report for ${req.params.name}${version ? ` v${version}` : ''}: the registry does not know it`,
      });
    res.json(DriftReport.parse(report));
  });

  app.get('/v1/monitor/models/:name/drift/history', async (req, res) => {
    const { version } = parseOrThrow(DriftQuery, req.query, 'query');
    const history = await deps.drift.history(req.params.name, version);
    if (!history)
      throw new AppError({
        code: 'NOT_FOUND',
        message: `no drift history for ${req.params.name}${version ? ` v${version}` : ''}: the registry does not know it`,
      });
    res.json(DriftHistory.parse(history));
  });

  app.get('/v1/monitor/models/:name/bias', async (req, res) => {
    const report = await deps.bias.report(req.params.name);
    if (!report)
      throw new AppError({
        code: 'NOT_FOUND',
        message: `no fairness report for ${req.params.name}: its registry card has none`,
      });
    res.json(report);
  });

  app.get('/v1/monitor/models/:name/slo', async (req, res) => {
    const report = await deps.slo.report(req.params.name);
    if (!report)
      throw new AppError({ code: 'NOT_FOUND', message: `no requests of ${req.params.name} in the prediction log yet` });
    res.json(report);
  });

  app.get('/v1/monitor/models/:name/quality', async (req, res) => {
    const report = await deps.quality.report(req.params.name);
    if (!report)
      throw new AppError({ code: 'NOT_FOUND', message: `no labelled predictions for ${req.params.name} yet` });
    res.json(report);
  });
}
