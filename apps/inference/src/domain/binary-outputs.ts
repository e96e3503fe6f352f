import type { InferRequest, InferResponse, Parameters } from '@meridian/contracts';
import { badRequest } from '@meridian/service-kit';
import { writeTensor } from './tensor-bytes.ts';

function flag(parameters: Parameters | undefined, o: { key: string; path: string }): boolean | undefined {
  const value = parameters?.[o.key];
  if (value === undefined || typeof value === 'boolean') return value;
  throw badRequest(`${o.path}.${o.key} must be true or false`, [
    { path: `${o.path}.${o.key}`, message: 'must be a boolean' },
  ]);
}

/**
 * Which outputs the caller wants in binary: an output's own `binary_data`,
 * else the request's `binary_data_output`. Read before the model runs, so a
 * malformed flag costs no inference.
 */
export function binaryOutputs(request: InferRequest): (name: string) => boolean {
  const all = flag(request.parameters, { key: 'binary_data_output', path: 'parameters' }) ?? false;
  const own = new Map(
    (request.outputs ?? []).map((out) => [
      out.name,
      flag(out.parameters, { key: 'binary_data', path: `outputs.${out.name}.parameters` }),
    ]),
  );
  return (name) => own.get(name) ?? all;
}

/**
 * The response with the outputs asked for in binary moved after the JSON
 * part, in output order, each marked with its `binary_data_size`; undefined
 * when none is binary (the answer stays plain JSON).
 */
export function encodeBinaryResponse(o: {
  response: InferResponse;
  binary: (name: string) => boolean;
}): { body: Buffer; headerLength: number } | undefined {
  const parts: Buffer[] = [];
  const outputs = o.response.outputs.map((t) => {
    const bytes = o.binary(t.name) ? writeTensor({ datatype: t.datatype, data: t.data }) : undefined;
    if (!bytes) return t;
    parts.push(bytes);
    const { data: _data, ...rest } = t;
    return { ...rest, parameters: { ...t.parameters, binary_data_size: bytes.byteLength } };
  });
  if (!parts.length) return undefined;
  const json = Buffer.from(JSON.stringify({ ...o.response, outputs }), 'utf8');
  return { body: Buffer.concat([json, ...parts]), headerLength: json.byteLength };
}
