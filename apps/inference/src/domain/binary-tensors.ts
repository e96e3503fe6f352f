import { Datatype } from '@meridian/contracts';
import { assertJsonDepth, badRequest, type FieldError } from '@meridian/service-kit';
import { fixedByteSize, readTensor } from './tensor-bytes.ts';

/** The header giving the length of the JSON part of a body with binary tensors (request and response alike). */
export const BINARY_HEADER = 'inference-header-content-length';

// As deep as service-kit lets a JSON body nest by default.
const MAX_JSON_DEPTH = 32;

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const isShape = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((d) => Number.isSafeInteger(d) && d >= 0);
const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function jsonLength(value: string | undefined, total: number): number {
  if (value === undefined)
    throw badRequest('a binary tensor body needs the Inference-Header-Content-Length header (its JSON part in bytes)');
  if (!/^\d+$/.test(value.trim()))
    throw badRequest(`Inference-Header-Content-Length must be a whole number of bytes, got "${value}"`);
  const length = Number(value);
  if (length === 0)
    throw badRequest('Inference-Header-Content-Length is 0: a body without a JSON part (raw binary) is not served');
  if (length > total)
    throw badRequest(`Inference-Header-Content-Length is ${length} but the body has only ${total} bytes`);
  return length;
}

function parseJsonPart(bytes: Buffer): unknown {
  try {
    assertJsonDepth(bytes, MAX_JSON_DEPTH);
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw badRequest(`the JSON part (first ${bytes.byteLength} bytes) is not valid JSON: ${(err as Error).message}`);
  }
}

interface Planned {
  index: number;
  name: string;
  datatype: Datatype;
  elements: number;
  size: number;
}

/** The inputs that take their data from the binary part, each checked on its own before any byte is read. */
function plan(inputs: unknown[], errors: FieldError[]): Planned[] {
  const planned: Planned[] = [];
  inputs.forEach((input, index) => {
    if (!isObject(input) || !isObject(input.parameters) || input.parameters.binary_data_size === undefined) return;
    const name = typeof input.name === 'string' ? input.name : String(index);
    const path = `inputs.${name}`;
    const fail = (field: string, message: string) => void errors.push({ path: `${path}.${field}`, message });
    const size = input.parameters.binary_data_size;
    const datatype = Datatype.safeParse(input.datatype);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
      return fail('parameters.binary_data_size', `input ${name} binary_data_size must be a whole number of bytes`);
    if (input.data !== undefined)
      return fail('data', `input ${name} has both data and binary_data_size: send one or the other`);
    if (!datatype.success)
      return fail('datatype', `input ${name} has unknown datatype ${JSON.stringify(input.datatype)}`);
    if (!isShape(input.shape)) return fail('shape', `input ${name} shape must be a list of non-negative integers`);
    const elements = product(input.shape);
    const needed = fixedByteSize(datatype.data, elements);
    if (needed !== undefined && needed !== size)
      return fail(
        'parameters.binary_data_size',
        `input ${name} binary_data_size is ${size} but ${datatype.data} × [${input.shape.join(', ')}] takes ${needed} bytes`,
      );
    planned.push({ index, name, datatype: datatype.data, elements, size });
  });
  return planned;
}

const throwIfAny = (errors: FieldError[]) => {
  if (errors.length) throw badRequest(`binary tensor request: ${errors.map((e) => e.message).join('; ')}`, errors);
};

/**
 * A body of the binary tensor extension (JSON part, then raw little-endian
 * tensors in input order) read back into the JSON request it stands for:
 * each input with `parameters.binary_data_size` gets its bytes as `data`, so
 * the rest of the path (validation, model, cache, prediction log) is the JSON
 * path's. Every problem is a 400 naming the input.
 */
export function decodeBinaryRequest(o: { body: Buffer; headerLength: string | undefined }): unknown {
  const length = jsonLength(o.headerLength, o.body.byteLength);
  const request = parseJsonPart(o.body.subarray(0, length));
  const binary = o.body.subarray(length);
  // A JSON part that is no request at all is for the request schema to describe.
  if (!isObject(request) || !Array.isArray(request.inputs)) return request;
  const inputs = [...request.inputs] as unknown[];
  const errors: FieldError[] = [];
  const planned = plan(inputs, errors);
  throwIfAny(errors);
  const declared = planned.reduce((n, p) => n + p.size, 0);
  if (declared > binary.byteLength)
    throwIfAny([
      {
        path: 'inputs',
        message: `binary_data_size adds up to ${declared} bytes but the binary part has ${binary.byteLength}`,
      },
    ]);
  if (declared < binary.byteLength)
    throwIfAny([
      {
        path: 'inputs',
        message: `${binary.byteLength - declared} bytes are left over after the binary inputs (binary_data_size adds up to ${declared})`,
      },
    ]);
  let at = 0;
  for (const p of planned) {
    const bytes = binary.subarray(at, at + p.size);
    at += p.size;
    const { parameters, ...input } = inputs[p.index] as Raw & { parameters: Raw };
    const { binary_data_size: _size, ...rest } = parameters;
    try {
      const data = readTensor({ datatype: p.datatype, elements: p.elements, bytes });
      inputs[p.index] = { ...input, ...(Object.keys(rest).length ? { parameters: rest } : {}), data };
    } catch (err) {
      errors.push({ path: `inputs.${p.name}.data`, message: `input ${p.name} ${(err as Error).message}` });
    }
  }
  throwIfAny(errors);
  return { ...request, inputs };
}
