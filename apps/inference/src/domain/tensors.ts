import type { InferInputTensor, InferOutputTensor, TensorMetadata } from '@meridian/contracts';
import { badRequest, type FieldError } from '@meridian/service-kit';
import type { Tensor, TensorMap } from './ports.ts';

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const SUPPORTED = ['FP32', 'INT64', 'BYTES'] as const;

function convert(spec: TensorMetadata, t: InferInputTensor, path: string, errors: FieldError[]): Tensor | undefined {
  const fail = (message: string) =>
    void errors.push({ path: `${path}.data`, message: `input ${spec.name} ${message}` });
  switch (spec.datatype) {
    case 'FP32':
      if (!t.data.every((v) => typeof v === 'number' && Number.isFinite(v))) return fail('must hold finite numbers');
      return { datatype: 'FP32', dims: t.shape, data: Float32Array.from(t.data as number[]) };
    case 'INT64':
      if (!t.data.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) return fail('must hold integers');
      return { datatype: 'INT64', dims: t.shape, data: BigInt64Array.from(t.data as number[], (v) => BigInt(v)) };
    case 'BYTES':
      if (!t.data.every((v) => typeof v === 'string')) return fail('must hold strings');
      return { datatype: 'BYTES', dims: t.shape, data: t.data as string[] };
    default:
      errors.push({ path, message: `datatype ${spec.datatype} is not served (served: ${SUPPORTED.join(', ')})` });
      return undefined;
  }
}

/**
 * Checks the request's tensors against the model's declared inputs and
 * converts them. Every problem is reported, each naming its tensor.
 */
export function toInputs(opts: { model: string; specs: TensorMetadata[]; inputs: InferInputTensor[] }): {
  tensors: TensorMap;
  rows: number;
} {
  const errors: FieldError[] = [];
  const byName = new Map(opts.inputs.map((t) => [t.name, t]));
  for (const t of opts.inputs) {
    if (!opts.specs.some((s) => s.name === t.name))
      errors.push({ path: `inputs.${t.name}`, message: `model ${opts.model} has no input named ${t.name}` });
  }
  const tensors: TensorMap = {};
  const batch = new Set<number>();
  for (const spec of opts.specs) {
    const t = byName.get(spec.name);
    const path = `inputs.${spec.name}`;
    if (!t) {
      errors.push({ path, message: `input ${spec.name} is missing` });
      continue;
    }
    if (t.datatype !== spec.datatype) {
      errors.push({
        path: `${path}.datatype`,
        message: `input ${spec.name} must be ${spec.datatype}, got ${t.datatype}`,
      });
      continue;
    }
    if (t.shape.length !== spec.shape.length || spec.shape.some((d, k) => d !== -1 && d !== t.shape[k])) {
      errors.push({
        path: `${path}.shape`,
        message: `input ${spec.name} must have shape [${spec.shape.join(', ')}] (-1 = any), got [${t.shape.join(', ')}]`,
      });
      continue;
    }
    if (product(t.shape) !== t.data.length) {
      errors.push({
        path: `${path}.data`,
        message: `input ${spec.name} has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${product(t.shape)}`,
      });
      continue;
    }
    const tensor = convert(spec, t, path, errors);
    if (tensor) tensors[spec.name] = tensor;
    batch.add(t.shape[0] ?? 0);
  }
  if (batch.size > 1)
    errors.push({ path: 'inputs', message: `inputs disagree on the batch size: ${[...batch].join(' vs ')}` });
  if (batch.has(0)) errors.push({ path: 'inputs', message: 'batch size must be at least 1' });
  if (errors.length)
    throw badRequest(
      `inference request does not fit model ${opts.model}: ${errors.map((e) => e.message).join('; ')}`,
      errors,
    );
  return { tensors, rows: [...batch][0]! };
}

export function toOutput(name: string, t: Tensor): InferOutputTensor {
  const data =
    t.data instanceof BigInt64Array ? Array.from(t.data, Number) : Array.from(t.data as ArrayLike<number | string>);
  return { name, datatype: t.datatype, shape: t.dims, data };
}

/** Joins tensors along the batch dimension (all have the same trailing dims). */
export function concatBatch(parts: Tensor[]): Tensor {
  const first = parts[0]!;
  const rows = parts.reduce((n, p) => n + p.dims[0]!, 0);
  const dims = [rows, ...first.dims.slice(1)];
  if (first.datatype === 'BYTES') return { datatype: 'BYTES', dims, data: parts.flatMap((p) => p.data as string[]) };
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  const data = first.datatype === 'FP32' ? new Float32Array(total) : new BigInt64Array(total);
  let offset = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, offset);
    offset += p.data.length;
  }
  return { datatype: first.datatype, dims, data };
}

/** Rows [start, start + rows) of a batched tensor. */
export function sliceBatch(t: Tensor, start: number, rows: number): Tensor {
  const width = t.data.length / (t.dims[0] || 1);
  const data = Array.isArray(t.data)
    ? t.data.slice(start * width, (start + rows) * width)
    : t.data.subarray(start * width, (start + rows) * width);
  return { datatype: t.datatype, dims: [rows, ...t.dims.slice(1)], data: data as Tensor['data'] };
}
