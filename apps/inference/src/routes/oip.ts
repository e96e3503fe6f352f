import type { Express, Request } from 'express';
import { InferRequest, PredictionEvent, Topics, type ModelMetadataResponse } from '@meridian/contracts';
import { AppError, parseOrThrow, requestLogger, type DaprClient } from '@meridian/service-kit';
import { infer } from '../domain/infer.ts';
import type { LoadedModel, ModelStore } from '../domain/model-store.ts';

function modelFor(store: ModelStore, req: Request): LoadedModel {
  const { name, version } = req.params as { name: string; version?: string };
  const model = store.get(name);
  if (!model) throw new AppError({ code: 'NOT_FOUND', message: `unknown model ${name}` });
  if (version !== undefined && version !== model.version) throw new AppError({ code: 'NOT_FOUND', message: `model ${name} has no version ${version} being served` });
  return model;
}

function metadata(model: LoadedModel): ModelMetadataResponse {
  return { name: model.name, versions: [model.version], platform: model.platform, inputs: model.inputs, outputs: model.outputs };
}

/** Open Inference Protocol v2 over REST. */
export function oipRoutes(app: Express, deps: { store: ModelStore; dapr: DaprClient; pubsub: string; serverVersion: string }): void {
  const { store } = deps;
  app.get('/v2', (_req, res) => void res.json({ name: 'meridian-inference', version: deps.serverVersion, extensions: [] }));
  app.get('/v2/health/live', (_req, res) => void res.json({ live: true }));
  app.get('/v2/health/ready', (_req, res) => {
    const ready = store.list().length > 0;
    res.status(ready ? 200 : 503).json({ ready });
  });
  for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    app.get(base, (req, res) => void res.json(metadata(modelFor(store, req))));
    app.get(`${base}/ready`, (req, res) => void res.json({ name: modelFor(store, req).name, ready: true }));
    app.post(`${base}/infer`, async (req, res) => {
      const model = modelFor(store, req);
      const body = parseOrThrow(InferRequest, req.body, 'inference request');
      const { response, event } = await infer(model, body);
      res.json(response);
      // The prediction log must not slow or fail the caller; a lost event is logged.
      deps.dapr.publish({ pubsub: deps.pubsub, topic: Topics.predictions, data: PredictionEvent.parse(event) })
        .catch((err: unknown) => requestLogger().warn({ err: (err as Error).message, prediction_id: event.id }, 'prediction event not published'));
    });
  }
}
