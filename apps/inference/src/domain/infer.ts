import { createHash, randomUUID } from 'node:crypto';
import type { InferRequest, InferResponse, PredictionEvent } from '@meridian/contracts';
import { AppError, badRequest, currentTraceId, type FieldError } from '@meridian/service-kit';
import type { Feeds } from '../adapters/onnx-runtime.ts';
import type { LoadedModel } from './model-store.ts';

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Checks the request's tensors against the model's declared inputs and turns
 * them into runtime feeds. Every problem is reported, each naming its tensor.
 */
export function toFeeds(model: LoadedModel, req: InferRequest): { feeds: Feeds; rows: number } {
  const errors: FieldError[] = [];
  const byName = new Map(req.inputs.map((t, i) => [t.name, { t, i }]));
  for (const t of req.inputs) {
    if (!model.inputs.some((m) => m.name === t.name)) errors.push({ path: `inputs.${t.name}`, message: `model ${model.name} has no input named ${t.name}` });
  }
  const feeds: Feeds = {};
  const batch = new Set<number>();
  for (const spec of model.inputs) {
    const found = byName.get(spec.name);
    const path = `inputs.${spec.name}`;
    if (!found) {
      errors.push({ path, message: `input ${spec.name} is missing` });
      continue;
    }
    const { t } = found;
    if (t.datatype !== spec.datatype) errors.push({ path: `${path}.datatype`, message: `input ${spec.name} must be ${spec.datatype}, got ${t.datatype}` });
    if (t.shape.length !== spec.shape.length || spec.shape.some((d, k) => d !== -1 && d !== t.shape[k])) {
      errors.push({ path: `${path}.shape`, message: `input ${spec.name} must have shape [${spec.shape.join(', ')}] (-1 = any), got [${t.shape.join(', ')}]` });
    }
    if (product(t.shape) !== t.data.length) {
      errors.push({ path: `${path}.data`, message: `input ${spec.name} has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${product(t.shape)}` });
    }
    if (t.data.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      errors.push({ path: `${path}.data`, message: `input ${spec.name} must hold finite numbers` });
    }
    batch.add(t.shape[0] ?? 0);
    feeds[spec.name] = { data: Float32Array.from(t.data as number[]), dims: t.shape };
  }
  if (batch.size > 1) errors.push({ path: 'inputs', message: `inputs disagree on the batch size: ${[...batch].join(' vs ')}` });
  if (batch.has(0)) errors.push({ path: 'inputs', message: 'batch size must be at least 1' });
  if (errors.length) throw badRequest(`inference request does not fit model ${model.name}: ${errors.map((e) => e.message).join('; ')}`, errors);
  return { feeds, rows: [...batch][0] ?? 0 };
}

/** Stable hash of the inputs, so identical requests can be recognised (caching, monitoring). */
export function inputHash(req: InferRequest): string {
  const canonical = [...req.inputs].sort((a, b) => a.name.localeCompare(b.name)).map((t) => [t.name, t.datatype, t.shape, t.data]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

export interface InferResult {
  response: InferResponse;
  event: PredictionEvent;
}

/** Runs one inference and prepares its prediction-log event. */
export async function infer(model: LoadedModel, req: InferRequest): Promise<InferResult> {
  const started = process.hrtime.bigint();
  const { feeds, rows } = toFeeds(model, req);
  const wanted = req.outputs?.length ? req.outputs.map((o) => o.name) : model.outputs.map((o) => o.name);
  const unknown = wanted.filter((n) => !model.outputs.some((o) => o.name === n));
  if (unknown.length) throw badRequest(`model ${model.name} has no output ${unknown.join(', ')}`, unknown.map((n) => ({ path: `outputs.${n}`, message: 'unknown output' })));
  const selected = model.outputs.filter((o) => wanted.includes(o.name));
  let fetches;
  try {
    fetches = await model.runtime.run(feeds, selected);
  } catch (cause) {
    throw new AppError({ code: 'INTERNAL', message: `model ${model.name} v${model.version} failed to run`, cause });
  }
  const id = req.id ?? randomUUID();
  const outputs = selected.map((o) => ({ name: o.name, datatype: o.datatype, shape: fetches[o.name]!.dims, data: Array.from(fetches[o.name]!.data) }));
  const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
  const traceId = currentTraceId();
  return {
    response: { model_name: model.name, model_version: model.version, id, outputs },
    event: {
      id, model: model.name, version: model.version, input_hash: inputHash(req), rows,
      inputs: Object.fromEntries(req.inputs.map((t) => [t.name, t.data])),
      outputs: Object.fromEntries(outputs.map((o) => [o.name, o.data])),
      latency_ms: latencyMs, ts: new Date().toISOString(),
      ...(traceId ? { trace_id: traceId } : {}),
    },
  };
}
