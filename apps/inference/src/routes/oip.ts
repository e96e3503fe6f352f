import type { IncomingMessage } from 'node:http';
import type { Express, Request, RequestHandler } from 'express';
import { InferRequest, type ModelMetadataResponse } from '@meridian/contracts';
import { AppError, parseOrThrow, runInOrder, type LeanLane } from '@meridian/service-kit';
import type { ModelLimits } from '../domain/model-limits.ts';
import { predict, type PredictDeps } from '../domain/predict.ts';
import { resolveVersion } from '../domain/resolve.ts';
import type { ModelVersion } from '../domain/model-version.ts';
import { binaryOutputs } from '../domain/binary-outputs.ts';
import { inferBody, readInferBody, sendInferResponse } from './binary-body.ts';
import { limitPerModel } from './model-limit.ts';

const params = (req: Request) => req.params as { name: string; version?: string };

/** The server's OIP metadata: what GET /v2 and gRPC ServerMetadata answer. */
export const serverMetadata = (version: string) => ({
  name: 'meridian-inference',
  version,
  extensions: ['model_repository', 'explain', 'traffic_policy', 'binary_tensor_data'],
});

/** A version's OIP metadata, with every version of its model. */
export function modelMetadata(handle: ModelVersion, versions: string[]): ModelMetadataResponse {
  return {
    name: handle.name,
    versions,
    platform: handle.opts.oipPlatform,
    inputs: handle.inputs,
    outputs: handle.outputs,
  };
}

type OipDeps = PredictDeps & { serverVersion: string; limits: ModelLimits; env: { MAX_BODY: string } };

/** Infer, as one handler: the model's concurrency limit, a binary body read, then the prediction. */
function inferHandler(deps: OipDeps): RequestHandler {
  return runInOrder([
    limitPerModel({ limits: deps.limits, store: deps.store }),
    readInferBody({ limit: deps.env.MAX_BODY }),
    async (req, res) => {
      const body = parseOrThrow(InferRequest, inferBody(req), 'inference request');
      const binary = binaryOutputs(body);
      const sticky =
        body.parameters?.sticky_key ??
        req.header(deps.store.entry(params(req).name)?.policy.traffic.ab?.sticky_header ?? 'x-sticky-key');
      if (sticky !== undefined && typeof sticky !== 'string')
        throw new AppError({ code: 'BAD_REQUEST', message: 'parameters.sticky_key must be a string' });
      const response = await predict(deps, {
        model: params(req).name,
        version: params(req).version,
        body,
        stickyKey: sticky,
      });
      sendInferResponse(res, { response, binary });
    },
  ]);
}

/** The infer paths in their canonical spelling (Express also takes case variants and a trailing slash). */
const INFER_PATH = /^\/v2\/models\/([^/?]+)(?:\/versions\/([^/?]+))?\/infer(?:\?|$)/;

/** The infer parameters of a request on the canonical infer path, decoded as Express would; else undefined. */
function inferParams(req: IncomingMessage): { name: string; version?: string } | undefined {
  const m = req.method === 'POST' ? INFER_PATH.exec(req.url ?? '') : null;
  if (!m) return undefined;
  try {
    const name = decodeURIComponent(m[1]!);
    return m[2] === undefined ? { name } : { name, version: decodeURIComponent(m[2]) };
  } catch {
    return undefined;
  }
}

/** The hot route, infer, answered without Express (service-kit's lean lane): same steps, same handler. */
export function inferLane(deps: OipDeps): LeanLane {
  const infer = inferHandler(deps);
  return {
    takes: (req) => inferParams(req) !== undefined,
    handler(req, res, next) {
      const found = inferParams(req)!;
      req.params = found;
      // The label Express's route would give the request's span and metrics.
      res.locals.route = `/v2/models/:name${found.version === undefined ? '' : '/versions/:version'}/infer`;
      infer(req, res, next);
    },
  };
}

/**
 * Open Inference Protocol v2 over REST: health, server and model metadata, readiness, infer
 * (JSON, or the binary tensor extension up to the app's body limit `env.MAX_BODY`).
 */
export function oipRoutes(app: Express, deps: OipDeps): void {
  const { store } = deps;
  const infer = inferHandler(deps);
  app.get('/v2', (_req, res) => void res.json(serverMetadata(deps.serverVersion)));
  app.get('/v2/health/live', (_req, res) => void res.json({ live: true }));
  app.get('/v2/health/ready', (_req, res) => {
    const ready = store.list().length > 0;
    res.status(ready ? 200 : 503).json({ ready });
  });
  for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    app.get(base, (req, res) => {
      const { entry, handle } = resolveVersion(store, {
        model: params(req).name,
        version: params(req).version,
        noSplit: true,
      });
      res.json(modelMetadata(handle, [...entry.versions.keys()]));
    });
    app.get(`${base}/ready`, (req, res) => {
      const { handle } = resolveVersion(store, {
        model: params(req).name,
        version: params(req).version,
        noSplit: true,
      });
      res.json({ name: handle.name, version: handle.version, ready: true });
    });
    app.post(`${base}/infer`, infer);
  }
}
