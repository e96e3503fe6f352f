import { Datatype, type InferResponse, type Parameters } from '@meridian/contracts';
import { badRequest } from '@meridian/service-kit';
import { fixedByteSize, readTensor, writeTensor, type JsonValues } from './tensor-bytes.ts';

/** An InferParameter as protobufjs reads it (oneofs: the chosen field only). */
export interface GrpcParameter {
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
}

/** InferTensorContents as protobufjs reads it (bytes as Uint8Array, 64-bit integers as numbers). */
export type GrpcContents = Partial<Record<ContentsField, (number | boolean | Uint8Array)[]>>;

type ContentsField =
  | 'bool_contents'
  | 'int_contents'
  | 'int64_contents'
  | 'uint_contents'
  | 'uint64_contents'
  | 'fp32_contents'
  | 'fp64_contents'
  | 'bytes_contents';

export interface GrpcInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, GrpcParameter>;
  inputs?: {
    name?: string;
    datatype?: string;
    shape?: number[];
    parameters?: Record<string, GrpcParameter>;
    contents?: GrpcContents;
  }[];
  outputs?: { name?: string; parameters?: Record<string, GrpcParameter> }[];
  raw_input_contents?: Uint8Array[];
}

export interface GrpcInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, GrpcParameter>;
  outputs: { name: string; datatype: string; shape: number[]; parameters: Record<string, GrpcParameter> }[];
  raw_output_contents: Buffer[];
}

/** Which repeated field of InferTensorContents carries each datatype (FP16 has none: raw only). */
const FIELD: Record<Exclude<Datatype, 'FP16'>, ContentsField> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parametersFrom(params: Record<string, GrpcParameter> | undefined): Parameters | undefined {
  const entries = Object.entries(params ?? {});
  if (!entries.length) return undefined;
  return Object.fromEntries(
    entries.map(([k, p]) => [k, p.string_param ?? p.int64_param ?? p.bool_param ?? '']),
  ) as Parameters;
}

function parametersTo(params: Parameters | undefined): Record<string, GrpcParameter> {
  return Object.fromEntries(
    Object.entries(params ?? {}).map(([k, v]) => [
      k,
      typeof v === 'boolean'
        ? { bool_param: v }
        : typeof v === 'number' && Number.isSafeInteger(v)
          ? { int64_param: v }
          : { string_param: String(v) },
    ]),
  );
}

function typedValues(o: { datatype: Datatype; contents: GrpcContents | undefined; path: string }): JsonValues {
  if (o.datatype === 'FP16') throw badRequest(`${o.path}: FP16 tensors travel only in raw_input_contents`);
  const field = FIELD[o.datatype];
  const values = o.contents?.[field] ?? [];
  const set = Object.entries(o.contents ?? {}).filter(([k, v]) => k !== field && (v as unknown[]).length);
  if (set.length)
    throw badRequest(`${o.path}: a ${o.datatype} tensor's elements go in contents.${field}, not ${set[0]![0]}`);
  if (o.datatype !== 'BYTES') return values as JsonValues;
  return values.map((b, i) => {
    try {
      return utf8.decode(b as Uint8Array);
    } catch {
      throw badRequest(`${o.path}: element ${i} of contents.bytes_contents is not valid UTF-8`);
    }
  });
}

/**
 * A ModelInferRequest as the JSON request REST takes (still to be validated
 * by its schema): each input's elements from its typed `contents`, or from
 * `raw_input_contents` read as the binary tensor extension lays them out.
 */
export function inferRequestFromGrpc(m: GrpcInferRequest): unknown {
  const inputs = m.inputs ?? [];
  const raw = m.raw_input_contents ?? [];
  if (raw.length && raw.length !== inputs.length)
    throw badRequest(`raw_input_contents has ${raw.length} entries for ${inputs.length} inputs: one per input`);
  const tensors = inputs.map((t, i) => {
    const path = `inputs[${i}] (${t.name ?? ''})`;
    const datatype = Datatype.safeParse(t.datatype);
    if (!datatype.success) throw badRequest(`${path}: datatype "${t.datatype ?? ''}" is not an OIP datatype`);
    const shape = t.shape ?? [];
    if (shape.some((d) => !Number.isSafeInteger(d) || d < 0))
      throw badRequest(`${path}: shape [${shape.join(', ')}] must be whole numbers ≥ 0`);
    const elements = shape.reduce((a, b) => a * b, 1);
    let data: JsonValues;
    if (raw.length) {
      const hasContents = Object.values(t.contents ?? {}).some((v) => (v as unknown[]).length);
      if (hasContents) throw badRequest(`${path}: give contents or raw_input_contents, not both`);
      const bytes = raw[i]!;
      const size = fixedByteSize(datatype.data, elements);
      if (size !== undefined && bytes.byteLength !== size)
        throw badRequest(
          `${path}: raw_input_contents[${i}] has ${bytes.byteLength} bytes but shape [${shape.join(', ')}] of ${datatype.data} needs ${size}`,
        );
      try {
        data = readTensor({ datatype: datatype.data, elements, bytes });
      } catch (err) {
        throw badRequest(`${path}: raw_input_contents[${i}] ${(err as Error).message}`);
      }
    } else {
      data = typedValues({ datatype: datatype.data, contents: t.contents, path });
    }
    const parameters = parametersFrom(t.parameters);
    return { name: t.name ?? '', shape, datatype: datatype.data, data, ...(parameters ? { parameters } : {}) };
  });
  const parameters = parametersFrom(m.parameters);
  const outputs = (m.outputs ?? []).map((o) => {
    const p = parametersFrom(o.parameters);
    return { name: o.name ?? '', ...(p ? { parameters: p } : {}) };
  });
  return {
    ...(m.id ? { id: m.id } : {}),
    ...(parameters ? { parameters } : {}),
    inputs: tensors,
    ...(outputs.length ? { outputs } : {}),
  };
}

/** An answer as a ModelInferResponse with every output in raw_output_contents (as Triton answers). */
export function inferResponseToGrpc(r: InferResponse): GrpcInferResponse {
  return {
    model_name: r.model_name,
    model_version: r.model_version ?? '',
    id: r.id,
    parameters: parametersTo(r.parameters),
    outputs: r.outputs.map((t) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      parameters: parametersTo(t.parameters),
    })),
    raw_output_contents: r.outputs.map((t) => {
      const bytes = writeTensor({ datatype: t.datatype, data: t.data });
      if (!bytes) throw new Error(`output ${t.name} is ${t.datatype}, which this side never writes`);
      return bytes;
    }),
  };
}
