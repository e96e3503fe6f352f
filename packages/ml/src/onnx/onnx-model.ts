import { ProtoWriter } from './proto-writer.ts';

// Field numbers below are from onnx/onnx.proto (github.com/onnx/onnx). Only what a small
// feed-forward graph of FP32 tensors needs is covered.

/** TensorProto.DataType values we use. */
export const OnnxDataType = { FLOAT: 1, INT64: 7, STRING: 8 } as const;
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET_VERSION = 17;
export const ONNX_PRODUCER_NAME = 'meridian';

export interface TensorSpec {
  name: string;
  dims: readonly number[];
  floatData: readonly number[];
}

/** TensorProto holding FP32 values (float_data, packed). `dims: []` makes a scalar. */
export function tensorProto(spec: TensorSpec): Uint8Array {
  const expected = spec.dims.reduce((n, d) => n * d, 1);
  if (expected !== spec.floatData.length) {
    throw new Error(
      `tensor ${spec.name}: dims [${spec.dims.join(',')}] need ${expected} values, got ${spec.floatData.length}`,
    );
  }
  return new ProtoWriter()
    .packedVarints(1, spec.dims) // dims
    .varint(2, OnnxDataType.FLOAT) // data_type
    .packedFloats(4, spec.floatData) // float_data
    .string(8, spec.name) // name
    .finish();
}

export interface ValueInfoSpec {
  name: string;
  elemType: OnnxDataType;
  /** A number is a fixed dimension; a string is a symbolic one (dim_param), e.g. "N". */
  shape: readonly (number | string)[];
}

/** ValueInfoProto with a tensor TypeProto. */
export function valueInfoProto(spec: ValueInfoSpec): Uint8Array {
  const shape = new ProtoWriter();
  for (const dim of spec.shape) {
    const dimension = new ProtoWriter();
    if (typeof dim === 'number')
      dimension.varint(1, dim); // dim_value
    else dimension.string(2, dim); // dim_param
    shape.message(1, dimension.finish()); // TensorShapeProto.dim
  }
  const tensorType = new ProtoWriter().varint(1, spec.elemType).message(2, shape.finish()); // elem_type, shape
  const type = new ProtoWriter().message(1, tensorType.finish()); // TypeProto.tensor_type
  return new ProtoWriter().string(1, spec.name).message(2, type.finish()).finish(); // name, type
}

export interface NodeSpec {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
}

/** NodeProto in the default ("ai.onnx") domain, without attributes. */
export function nodeProto(spec: NodeSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const input of spec.inputs) w.string(1, input);
  for (const output of spec.outputs) w.string(2, output);
  if (spec.name !== undefined) w.string(3, spec.name);
  return w.string(4, spec.opType).finish();
}

export interface GraphSpec {
  name: string;
  /** Encoded NodeProtos, topologically sorted. */
  nodes: readonly Uint8Array[];
  initializers: readonly Uint8Array[];
  inputs: readonly Uint8Array[];
  outputs: readonly Uint8Array[];
  docString?: string;
}

export function graphProto(spec: GraphSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const node of spec.nodes) w.message(1, node);
  w.string(2, spec.name);
  for (const init of spec.initializers) w.message(5, init);
  if (spec.docString !== undefined) w.string(10, spec.docString);
  for (const input of spec.inputs) w.message(11, input);
  for (const output of spec.outputs) w.message(12, output);
  return w.finish();
}

export interface ModelSpec {
  graph: Uint8Array;
  producerVersion?: string;
  docString?: string;
  /** Written as ModelProto.metadata_props; runtimes expose them as custom metadata. */
  metadataProps?: Readonly<Record<string, string>>;
}

/** ModelProto: IR version 8, default-domain opset 17, producer "meridian". */
export function modelProto(spec: ModelSpec): Uint8Array {
  const opset = new ProtoWriter().string(1, '').varint(2, ONNX_OPSET_VERSION).finish(); // domain, version
  const w = new ProtoWriter()
    .varint(1, ONNX_IR_VERSION) // ir_version
    .string(2, ONNX_PRODUCER_NAME); // producer_name
  if (spec.producerVersion !== undefined) w.string(3, spec.producerVersion);
  if (spec.docString !== undefined) w.string(6, spec.docString);
  w.message(7, spec.graph).message(8, opset); // graph, opset_import
  for (const [key, value] of Object.entries(spec.metadataProps ?? {})) {
    w.message(14, new ProtoWriter().string(1, key).string(2, value).finish());
  }
  return w.finish();
}

export interface Int64TensorSpec {
  name: string;
  dims: readonly number[];
  int64Data: readonly number[];
}

/** TensorProto holding INT64 values (int64_data, packed), e.g. the axes operand of Unsqueeze/Squeeze (opset ≥ 13). */
export function int64TensorProto(spec: Int64TensorSpec): Uint8Array {
  const expected = spec.dims.reduce((n, d) => n * d, 1);
  if (expected !== spec.int64Data.length) {
    throw new Error(
      `tensor ${spec.name}: dims [${spec.dims.join(',')}] need ${expected} values, got ${spec.int64Data.length}`,
    );
  }
  return new ProtoWriter()
    .packedVarints(1, spec.dims) // dims
    .varint(2, OnnxDataType.INT64) // data_type
    .packedVarints(7, spec.int64Data) // int64_data
    .string(8, spec.name) // name
    .finish();
}

/** NodeProto like nodeProto, plus INT attributes (e.g. Concat's required axis). */
export function nodeProtoWithIntAttributes(
  spec: NodeSpec & { intAttributes: Readonly<Record<string, number>> },
): Uint8Array {
  const node = new ProtoWriter();
  for (const input of spec.inputs) node.string(1, input);
  for (const output of spec.outputs) node.string(2, output);
  if (spec.name !== undefined) node.string(3, spec.name);
  node.string(4, spec.opType);
  for (const [name, value] of Object.entries(spec.intAttributes)) {
    // AttributeProto: name = 1, i = 3, type = 20 (AttributeType.INT = 2).
    node.message(5, new ProtoWriter().string(1, name).varint(3, value).varint(20, 2).finish());
  }
  return node.finish();
}
