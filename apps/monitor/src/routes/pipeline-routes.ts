import type { Express } from 'express';
import { MonitorPipelineReport, PipelineQuery } from '@meridian/contracts';
import { parseOrThrow } from '@meridian/service-kit';
import type { EventLag } from '../domain/event-lag.ts';
import type { PipelineLedger } from '../domain/pipeline-ledger.ts';

export interface PipelineRouteDeps {
  pipeline: Pick<PipelineLedger, 'report'>;
  lag: Pick<EventLag, 'report'>;
}

export function pipelineRoutes(app: Express, deps: PipelineRouteDeps): void {
  // The stream rows of the entities asked for (all seen without `entities`), and the lag of prediction events.
  app.get('/v1/monitor/pipeline', async (req, res) => {
    const { entities } = parseOrThrow(PipelineQuery, req.query, 'query');
    const rows = await deps.pipeline.report(entities);
    res.json(MonitorPipelineReport.parse({ ...rows, predictions: deps.lag.report() }));
  });
}
