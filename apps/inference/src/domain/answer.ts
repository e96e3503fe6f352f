import type { InferOutputTensor } from '@meridian/contracts';
import { inSpan } from '@meridian/service-kit';
import type { InferenceMetrics } from './metrics.ts';
import type { ResponseCache } from './ports.ts';
import type { PredictionLog } from './prediction-log.ts';
import { runModel, type FallbackReason, type RunModelRequest } from './run-model.ts';
import { toOutput } from './tensors.ts';

export interface Answer {
  outputs: InferOutputTensor[];
  cached?: true;
  fallback?: FallbackReason;
}

/**
 * From the response cache when the policy enables it, else from the model;
 * a model's answer is kept for the next identical request, a fallback's
 * never is (it would outlive the failure).
 */
export async function answer(
  deps: { cache: ResponseCache; log: PredictionLog; metrics: InferenceMetrics },
  o: RunModelRequest & { names: string[]; hash: () => string },
): Promise<Answer> {
  const labels = { model: o.handle.name, version: o.handle.version };
  const { cache } = o.policy;
  const hit = cache.enabled
    ? await inSpan('inference.cache', () => deps.cache.get({ ...labels, hash: o.hash() }))
    : undefined;
  if (hit) {
    deps.metrics.cacheHits.inc(labels);
    return { outputs: hit, cached: true };
  }
  const run = await runModel(deps, o);
  const outputs = o.names.map((n) => toOutput(n, run.result[n]!));
  if (cache.enabled && !run.fallback)
    void deps.cache.put({ ...labels, hash: o.hash(), outputs, ttlSeconds: cache.ttl_seconds });
  return { outputs, ...(run.fallback ? { fallback: run.fallback } : {}) };
}
