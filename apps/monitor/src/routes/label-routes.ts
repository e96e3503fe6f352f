import type { Express } from 'express';
import { LabelBatch } from '@meridian/contracts';
import { parseOrThrow } from '@meridian/service-kit';
import type { LabelQuality } from '../domain/label-quality.ts';

export interface LabelRouteDeps {
  quality: Pick<LabelQuality, 'recordLabels'>;
}

export function labelRoutes(app: Express, deps: LabelRouteDeps): void {
  // 503 (from the domain) when a model's quality window stays contended: the caller sends the labels again.
  app.post('/v1/labels', async (req, res) => {
    res.status(202).json(await deps.quality.recordLabels(parseOrThrow(LabelBatch, req.body, 'labels')));
  });
}
