import type { InferRequest, ModelPolicy } from '@meridian/contracts';
import { AppError, currentTraceId, orAfter } from '@meridian/service-kit';
import { deadlineExceeded } from './batcher.ts';
import type { ModelEntry } from './model-store.ts';
import type { ModelVersion } from './model-version.ts';
import type { TensorMap } from './ports.ts';
import { elapsedMs } from './prediction-event.ts';
import type { PredictionLog } from './prediction-log.ts';
import type { InferenceMetrics } from './metrics.ts';
import type { Route } from './traffic.ts';

export type FallbackReason = 'deadline' | 'error';

export interface ModelRun {
  result: TensorMap;
  /** Set when the fallback answered instead of the chosen version. */
  fallback?: FallbackReason;
}

export interface RunModelRequest {
  entry: ModelEntry;
  /** The policy as the request found it (a policy replaced meanwhile applies to the next request). */
  policy: ModelPolicy;
  handle: ModelVersion;
  route: Route;
  id: string;
  tensors: TensorMap;
  rows: number;
  deadlineMs: number;
  /** process.hrtime.bigint() when the request arrived. */
  started: bigint;
}

/** The request's own deadline_ms parameter, else the model's. */
export function requestDeadline(body: InferRequest, policy: ModelPolicy): number {
  return typeof body.parameters?.deadline_ms === 'number' ? body.parameters.deadline_ms : policy.deadline_ms;
}

function withDeadline<T>(work: Promise<T>, deadlineAt: number): Promise<T> {
  return orAfter(work, deadlineAt - Date.now(), () => {
    throw deadlineExceeded();
  });
}

/** Another version, or the policy's fixed answer; undefined when the policy has no usable fallback. */
async function runFallback(o: RunModelRequest): Promise<TensorMap | undefined> {
  const fallback = o.policy.fallback;
  if (!fallback) return undefined;
  const other =
    fallback.version !== undefined && fallback.version !== o.handle.version
      ? o.entry.versions.get(fallback.version)
      : undefined;
  if (other) return other.predict(o.tensors, o.rows, Date.now() + o.policy.deadline_ms);
  if (!fallback.rule) return undefined;
  const names = o.handle.outputs.map((t) => t.name);
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        datatype: 'FP32' as const,
        dims: [o.rows],
        data: new Float32Array(o.rows).fill(fallback.rule!.outputs[n] ?? 0),
      },
    ]),
  );
}

/** The caller gets no answer: logged on its own topic, for the monitor's error SLO. */
function recordFailure(
  deps: { log: PredictionLog; metrics: InferenceMetrics },
  o: RunModelRequest,
  err: unknown,
): AppError {
  const failure =
    err instanceof AppError
      ? err
      : new AppError({ code: 'INTERNAL', message: `model ${o.handle.name} v${o.handle.version} failed`, cause: err });
  // The same failures as the monitor's error SLO counts (its prediction-errors topic), so the alert rules agree with it.
  const labels = { model: o.handle.name, version: o.handle.version };
  deps.metrics.errors.inc({ ...labels, code: failure.code });
  deps.metrics.requests.inc({ ...labels, outcome: 'error' });
  const traceId = currentTraceId();
  deps.log.recordError(
    {
      id: o.id,
      model: o.handle.name,
      version: o.handle.version,
      rows: o.rows,
      route: o.route.reason,
      error: failure.code,
      latency_ms: elapsedMs(o.started),
      ts: new Date().toISOString(),
      ...(traceId ? { trace_id: traceId } : {}),
    },
    o.policy.prediction_log,
  );
  return failure;
}

/**
 * Runs the chosen version through its batcher under the deadline. When it
 * fails or is late the policy's fallback answers; without one the failure
 * is recorded and thrown. A bad request or a full queue is the caller's
 * answer as it is: a fallback would hide it.
 */
export async function runModel(
  deps: { log: PredictionLog; metrics: InferenceMetrics },
  o: RunModelRequest,
): Promise<ModelRun> {
  try {
    return {
      result: await withDeadline(
        o.handle.predict(o.tensors, o.rows, Date.now() + o.deadlineMs),
        Date.now() + o.deadlineMs,
      ),
    };
  } catch (err) {
    const code = err instanceof AppError ? err.code : 'INTERNAL';
    if (code === 'BAD_REQUEST' || code === 'TOO_MANY_REQUESTS') throw err;
    const fallback = await runFallback(o);
    if (!fallback) throw recordFailure(deps, o, err);
    deps.metrics.fallbacks.inc({ model: o.handle.name, version: o.handle.version, reason: code });
    return { result: fallback, fallback: code === 'DEADLINE_EXCEEDED' ? 'deadline' : 'error' };
  }
}
