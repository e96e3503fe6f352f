import { createHash } from 'node:crypto';
import type { InferRequest, PredictionEvent } from '@meridian/contracts';
import { currentTraceId } from '@meridian/service-kit';
import type { Answer } from './answer.ts';
import type { ModelVersion } from './model-version.ts';
import type { RowContext } from './scoring.ts';
import type { Route } from './traffic.ts';

/** Milliseconds since `started` (a process.hrtime.bigint()). */
export const elapsedMs = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e6;

/** Stable hash of the inputs, so identical requests are recognised (cache, monitoring). */
export function inputHash(inputs: InferRequest['inputs']): string {
  const canonical = [...inputs]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => [t.name, t.datatype, t.shape, t.data]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** The monitor's record of one answered request: what went in, what came out, and how it was chosen. */
export function predictionEvent(o: {
  id: string;
  handle: ModelVersion;
  route: Route;
  hash: string;
  rows: number;
  inputs: InferRequest['inputs'];
  answer: Answer;
  latencyMs: number;
  context: RowContext;
}): PredictionEvent {
  const { handle, answer } = o;
  const traceId = currentTraceId();
  return {
    id: o.id,
    model: handle.name,
    version: handle.version,
    input_hash: o.hash,
    rows: o.rows,
    route: o.route.reason,
    ...(handle.metadata.threshold !== undefined ? { threshold: handle.metadata.threshold } : {}),
    inputs: Object.fromEntries(o.inputs.map((t) => [t.name, t.data])),
    outputs: Object.fromEntries(answer.outputs.map((t) => [t.name, t.data])),
    latency_ms: o.latencyMs,
    ts: new Date().toISOString(),
    ...(answer.fallback ? { fallback: answer.fallback } : {}),
    ...(answer.cached ? { cached: true } : {}),
    ...(traceId ? { trace_id: traceId } : {}),
    ...o.context,
  };
}
