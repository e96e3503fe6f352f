import { randomUUID } from 'node:crypto';
import { PredictionIds, rowPredictionId, type InferRequest, type InferResponse } from '@meridian/contracts';
import { badRequest } from '@meridian/service-kit';
import { answer, type Answer } from './answer.ts';
import type { InferenceMetrics } from './metrics.ts';
import type { ModelStore } from './model-store.ts';
import type { ModelVersion } from './model-version.ts';
import { withOnlineInputs } from './online-inputs.ts';
import type { OnlineFeatures, ResponseCache } from './ports.ts';
import { elapsedMs, inputHash, predictionEvent } from './prediction-event.ts';
import type { PredictionLog } from './prediction-log.ts';
import { publishPrediction } from './publish-prediction.ts';
import { resolveVersion } from './resolve.ts';
import { requestDeadline } from './run-model.ts';
import { rowContext, scoringParameters } from './scoring.ts';
import type { ShadowStats } from './shadow-stats.ts';
import { toInputs } from './tensors.ts';
import type { Route } from './traffic.ts';

export interface PredictDeps {
  /** Online features for requests that name entities instead of sending inputs. */
  features?: OnlineFeatures;
  store: ModelStore;
  cache: ResponseCache;
  log: PredictionLog;
  metrics: InferenceMetrics;
  shadow: ShadowStats;
}

export interface PredictRequest {
  model: string;
  version?: string | undefined;
  body: InferRequest;
  stickyKey?: string | undefined;
}

/** The outputs the caller asked for (all of them by default); naming one the model lacks is a 400. */
function requestedOutputs(handle: ModelVersion, body: InferRequest): string[] {
  const names = body.outputs?.length ? body.outputs.map((o) => o.name) : handle.outputs.map((o) => o.name);
  const unknown = names.filter((n) => !handle.outputs.some((o) => o.name === n));
  if (unknown.length)
    throw badRequest(
      `model ${handle.name} has no output ${unknown.join(', ')}`,
      unknown.map((n) => ({ path: `outputs.${n}`, message: 'unknown output' })),
    );
  return names;
}

/** How the answer was made; labels arrive later per row, so every row gets an id of its own. */
function responseParameters(o: {
  id: string;
  rows: number;
  route: Route;
  answer: Answer;
}): Record<string, string | boolean> {
  return {
    route: o.route.reason,
    prediction_ids: PredictionIds.encode(Array.from({ length: o.rows }, (_, i) => rowPredictionId(o.id, i))),
    ...(o.answer.cached ? { cache_hit: true } : {}),
    ...(o.answer.fallback ? { fallback: o.answer.fallback } : {}),
  };
}

/**
 * One inference request: choose the version (pin, A/B, canary, champion),
 * gather and validate the tensors, answer from the cache or the model
 * (falling back when it fails or is late), and record the prediction event
 * (mirrored to a shadow when one runs).
 */
export async function predict(deps: PredictDeps, request: PredictRequest): Promise<InferResponse> {
  const started = process.hrtime.bigint();
  const { entry, handle, route } = resolveVersion(deps.store, request);
  const scoring = scoringParameters(request.body.parameters);
  const body = await withOnlineInputs(deps, { handle, body: request.body, entities: scoring.entities });
  const policy = entry.policy;
  const { tensors, rows } = toInputs({ model: handle.name, specs: handle.inputs, inputs: body.inputs });
  const names = requestedOutputs(handle, body);
  // Hashed only when used: by the response cache, or by an event that is published.
  let hash: string | undefined;
  const hashOf = () => (hash ??= inputHash(body.inputs));
  const id = body.id ?? randomUUID();

  const made = await answer(deps, {
    entry,
    policy,
    handle,
    route,
    id,
    tensors,
    rows,
    names,
    hash: hashOf,
    started,
    deadlineMs: requestDeadline(body, policy),
  });
  const latencyMs = elapsedMs(started);
  const labels = { model: handle.name, version: handle.version };
  deps.metrics.latency.observe(labels, latencyMs / 1000);
  // Answered requests by how; failures are counted where the monitor learns of them (run-model.ts).
  deps.metrics.requests.inc({ ...labels, outcome: made.cached ? 'cached' : made.fallback ? 'fallback' : 'ok' });

  // Built only for an event that is published (most requests are not sampled).
  const event = () =>
    predictionEvent({
      id,
      handle,
      route,
      hash: hashOf(),
      rows,
      inputs: body.inputs,
      answer: made,
      latencyMs,
      context: rowContext(scoring, rows),
    });
  await publishPrediction(deps, {
    event,
    required: scoring.prediction_log === 'required',
    policy,
    entry,
    handle,
    route,
    tensors,
    rows,
    names,
    outputs: made.outputs,
  });
  return {
    model_name: handle.name,
    model_version: handle.version,
    id,
    parameters: responseParameters({ id, rows, route, answer: made }),
    outputs: made.outputs,
  };
}
