import { createHash, randomUUID } from 'node:crypto';
import { PredictionIds, rowPredictionId, ScoringParameters, type InferOutputTensor, type InferRequest, type InferResponse, type ModelPolicy } from '@meridian/contracts';
import { AppError, badRequest, currentTraceId, fieldErrors } from '@meridian/service-kit';
import type { OnlineFeatureClient } from '../adapters/online-features.ts';
import type { PredictionLog } from '../adapters/prediction-log.ts';
import type { ResponseCache } from '../adapters/response-cache.ts';
import type { TensorMap } from '../runtimes/index.ts';
import { deadlineExceeded } from './batcher.ts';
import type { InferenceMetrics } from './metrics.ts';
import type { ModelStore } from './model-store.ts';
import type { ModelVersion } from './model-version.ts';
import { resolveVersion } from './resolve.ts';
import type { ShadowStats } from './shadow-stats.ts';
import { toInputs, toOutput } from './tensors.ts';

export interface PredictDeps {
  /** Online features for requests that name entities instead of sending inputs. */
  features?: OnlineFeatureClient;
  store: ModelStore;
  cache: ResponseCache;
  log: PredictionLog;
  metrics: InferenceMetrics;
  shadow: ShadowStats;
}

/** Stable hash of the inputs, so identical requests are recognised (cache, monitoring). */
export function inputHash(inputs: InferRequest['inputs']): string {
  const canonical = [...inputs].sort((a, b) => a.name.localeCompare(b.name)).map((t) => [t.name, t.datatype, t.shape, t.data]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

function withDeadline<T>(work: Promise<T>, deadlineAt: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(deadlineExceeded()), Math.max(0, deadlineAt - Date.now()))));
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

const numbers = (t: InferOutputTensor | undefined) => (t?.data ?? []).map(Number);

async function runFallback(o: { policy: ModelPolicy; versions: Map<string, ModelVersion>; failed: string; tensors: TensorMap; rows: number; names: string[] }): Promise<TensorMap | undefined> {
  const fallback = o.policy.fallback;
  if (!fallback) return undefined;
  const other = fallback.version !== undefined && fallback.version !== o.failed ? o.versions.get(fallback.version) : undefined;
  if (other) return other.predict(o.tensors, o.rows, Date.now() + o.policy.deadline_ms);
  if (!fallback.rule) return undefined;
  return Object.fromEntries(o.names.map((n) => [n, { datatype: 'FP32' as const, dims: [o.rows], data: new Float32Array(o.rows).fill(fallback.rule!.outputs[n] ?? 0) }]));
}

/** The streaming-scoring parameters of a request (contracts' ScoringParameters); a malformed one is the caller's 400. */
function scoringParameters(parameters: InferRequest['parameters']): ScoringParameters {
  const parsed = ScoringParameters.safeDecode(parameters ?? {});
  if (parsed.success) return parsed.data;
  const errors = fieldErrors(parsed.error.issues, 'parameters');
  throw badRequest(`request parameters are invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
}

/** Streaming callers send each row's sequenced record key and ingestion time, carried into the event. */
function streamRecords(scoring: ScoringParameters, rows: number): { keys: string[]; received_at: number[] } | undefined {
  const { record_keys: keys, record_times: times = [] } = scoring;
  if (keys === undefined) return undefined;
  if (keys.length !== rows || times.length !== rows) {
    throw badRequest(`parameters.record_keys and record_times need one value per row (${rows})`, [{ path: 'parameters.record_keys', message: `needs ${rows} keys and ${rows} numeric times` }]);
  }
  return { keys, received_at: times };
}

/** A request naming entities gets its inputs from the online feature store, computed with the served version's spec. */
async function withOnlineInputs(deps: PredictDeps, o: { handle: ModelVersion; body: InferRequest; entities: string[] | undefined }): Promise<InferRequest> {
  const { handle, body } = o;
  if (body.inputs.length) return body;
  const spec = handle.metadata.online_features;
  if (!spec || !deps.features) {
    throw badRequest(`model ${handle.name} v${handle.version} has no online features: send its inputs`, [{ path: 'inputs', message: 'required for this model' }]);
  }
  const entities = o.entities ?? [];
  if (!entities.length) throw badRequest('parameters.entities names no entity', [{ path: 'parameters.entities', message: 'comma-separated entity ids' }]);
  const inputs = await deps.features.inputs({ model: handle.name, spec, entities, inputNames: handle.inputs.map((i) => i.name) });
  return { ...body, inputs };
}

/** Protected attributes for fairness monitoring, one value per row; they are never model inputs. */
function protectedAttributes(scoring: ScoringParameters, rows: number): Record<string, string[]> | undefined {
  const attributes = scoring.protected;
  if (!attributes) return undefined;
  for (const [attr, values] of Object.entries(attributes)) {
    const key = `parameters.protected.${attr}`;
    if (values.length !== rows) throw badRequest(`${key} has ${values.length} values for ${rows} rows`, [{ path: key, message: `needs one value per row (${rows})` }]);
  }
  return attributes;
}

/**
 * One inference request: choose the version (pin, A/B, canary, champion),
 * validate the tensors, answer from the cache when allowed, run through the
 * batcher under the deadline, fall back when the model fails or is late,
 * mirror to a shadow, and record the prediction event.
 */
export async function predict(deps: PredictDeps, request: { model: string; version?: string | undefined; body: InferRequest; stickyKey?: string | undefined }): Promise<InferResponse> {
  const started = process.hrtime.bigint();
  const { entry, handle, route } = resolveVersion(deps.store, request);
  const scoring = scoringParameters(request.body.parameters);
  const req = { ...request, body: await withOnlineInputs(deps, { handle, body: request.body, entities: scoring.entities }) };
  const policy = entry.policy;
  const { tensors, rows } = toInputs({ model: handle.name, specs: handle.inputs, inputs: req.body.inputs });
  const names = req.body.outputs?.length ? req.body.outputs.map((o) => o.name) : handle.outputs.map((o) => o.name);
  const unknown = names.filter((n) => !handle.outputs.some((o) => o.name === n));
  if (unknown.length) throw badRequest(`model ${handle.name} has no output ${unknown.join(', ')}`, unknown.map((n) => ({ path: `outputs.${n}`, message: 'unknown output' })));

  const labels = { model: handle.name, version: handle.version };
  const hash = inputHash(req.body.inputs);
  const id = req.body.id ?? randomUUID();
  // Labels arrive later per row, so every row gets an id of its own.
  const parameters: Record<string, string | boolean> = { route: route.reason, prediction_ids: PredictionIds.encode(Array.from({ length: rows }, (_, i) => rowPredictionId(id, i))) };
  let outputs: InferOutputTensor[] | undefined = policy.cache.enabled ? await deps.cache.get({ ...labels, hash }) : undefined;
  if (outputs) {
    deps.metrics.cacheHits.inc(labels);
    parameters.cache_hit = true;
  } else {
    const deadlineMs = typeof req.body.parameters?.deadline_ms === 'number' ? req.body.parameters.deadline_ms : policy.deadline_ms;
    let result: TensorMap;
    try {
      result = await withDeadline(handle.predict(tensors, rows, Date.now() + deadlineMs), Date.now() + deadlineMs);
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'INTERNAL';
      if (code === 'BAD_REQUEST' || code === 'TOO_MANY_REQUESTS') throw err;
      const fallback = await runFallback({ policy, versions: entry.versions, failed: handle.version, tensors, rows, names: handle.outputs.map((o) => o.name) });
      if (!fallback) {
        const failure = err instanceof AppError ? err : new AppError({ code: 'INTERNAL', message: `model ${handle.name} v${handle.version} failed`, cause: err });
        // The caller gets no answer: logged on its own topic, for the monitor's error SLO.
        const traceId = currentTraceId();
        deps.log.recordError({
          id, model: handle.name, version: handle.version, rows, route: route.reason, error: failure.code,
          latency_ms: Number(process.hrtime.bigint() - started) / 1e6, ts: new Date().toISOString(), ...(traceId ? { trace_id: traceId } : {}),
        }, policy.prediction_log);
        throw failure;
      }
      deps.metrics.fallbacks.inc({ ...labels, reason: code });
      parameters.fallback = code === 'DEADLINE_EXCEEDED' ? 'deadline' : 'error';
      result = fallback;
    }
    outputs = names.map((n) => toOutput(n, result[n]!));
    if (policy.cache.enabled && !parameters.fallback) void deps.cache.put({ ...labels, hash, outputs, ttlSeconds: policy.cache.ttl_seconds });
  }

  const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
  deps.metrics.latency.observe(labels, latencyMs / 1000);
  const traceId = currentTraceId();
  const protectedAttrs = protectedAttributes(scoring, rows);
  const records = streamRecords(scoring, rows);
  const event = {
    id, model: handle.name, version: handle.version, input_hash: hash, rows, route: route.reason,
    ...(handle.metadata.threshold !== undefined ? { threshold: handle.metadata.threshold } : {}),
    inputs: Object.fromEntries(req.body.inputs.map((t) => [t.name, t.data])),
    outputs: Object.fromEntries(outputs.map((o) => [o.name, o.data])),
    latency_ms: latencyMs, ts: new Date().toISOString(),
    ...(typeof parameters.fallback === 'string' ? { fallback: parameters.fallback } : {}),
    ...(parameters.cache_hit ? { cached: true } : {}),
    ...(traceId ? { trace_id: traceId } : {}),
    ...(protectedAttrs ? { protected: protectedAttrs } : {}),
    ...(records ? { records } : {}),
  };
  // A caller that needs every row to reach the monitor gets its answer only once the event is published.
  if (scoring.prediction_log === 'required') {
    try {
      await deps.log.recordRequired(event, policy.prediction_log);
    } catch (err) {
      throw new AppError({ code: 'UNAVAILABLE', message: `the prediction was made but its event could not be published; retry (${(err as Error).message})`, headers: { 'retry-after': '1' }, cause: err });
    }
    return { model_name: handle.name, model_version: handle.version, id, parameters, outputs };
  }
  const shadow = route.shadow !== undefined ? entry.versions.get(route.shadow) : undefined;
  if (shadow) {
    void shadow.predict(tensors, rows, Date.now() + policy.deadline_ms).then(
      (s) => {
        const shadowOutputs = names.map((n) => toOutput(n, s[n]!));
        deps.shadow.record({ model: handle.name, champion: handle.version, candidate: shadow.version, championScores: numbers(outputs[0]), candidateScores: numbers(shadowOutputs[0]), threshold: handle.metadata.threshold ?? 0.5 });
        deps.log.record({ ...event, shadow: { version: shadow.version, outputs: Object.fromEntries(shadowOutputs.map((o) => [o.name, o.data])) } }, policy.prediction_log);
      },
      () => deps.log.record(event, policy.prediction_log),
    );
  } else {
    deps.log.record(event, policy.prediction_log);
  }
  return { model_name: handle.name, model_version: handle.version, id, parameters, outputs };
}
