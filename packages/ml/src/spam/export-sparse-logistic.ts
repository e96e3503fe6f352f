import {
  OnnxDataType,
  graphProto,
  int64TensorProto,
  modelProto,
  nodeProto,
  tensorProto,
  valueInfoProto,
} from '../onnx/onnx-model.ts';
import type { SparseLogisticModel } from './sparse-logistic.ts';

export interface ExportSparseLogisticOptions {
  /** Graph input of INT64 [N, K] feature indices (padding: index 0). */
  indicesName: string;
  /** Graph input of FP32 [N, K] feature values (padding: 0). */
  valuesName: string;
  /** FP32 [N] probability output. */
  outputName: string;
}

/**
 * ONNX graph computing sigmoid(Σ_k weights[indices[n,k]] · values[n,k] + bias) per row n: a
 * logistic model over hashed sparse features, fed as padded index/value pairs (toSparseBatch).
 * Gather → Mul → ReduceSum(axis 1) → Squeeze → Add → Sigmoid; opset 17 takes the axes of
 * ReduceSum and Squeeze as an INT64 input tensor, so no node needs attributes.
 */
export function exportSparseLogisticOnnx(model: SparseLogisticModel, options: ExportSparseLogisticOptions): Uint8Array {
  const { indicesName, valuesName, outputName } = options;
  const dimensions = model.weights.length;
  if (dimensions === 0) throw new Error('exportSparseLogisticOnnx: model has no weights');
  const names = [indicesName, valuesName, outputName];
  if (new Set(names).size !== names.length || names.some((n) => n.startsWith('sl_'))) {
    throw new Error(
      `exportSparseLogisticOnnx: input/output names must be distinct and not start with "sl_", got ${names.join(', ')}`,
    );
  }
  const node = (opType: string, inputs: string[], output: string): Uint8Array =>
    nodeProto({ opType, inputs, outputs: [output], name: `sl_${opType}` });

  const graph = graphProto({
    name: 'sparse_logistic_regression',
    nodes: [
      node('Gather', ['sl_weights', indicesName], 'sl_gathered'),
      node('Mul', ['sl_gathered', valuesName], 'sl_terms'),
      node('ReduceSum', ['sl_terms', 'sl_axis'], 'sl_row_sum'),
      node('Squeeze', ['sl_row_sum', 'sl_axis'], 'sl_dot'),
      node('Add', ['sl_dot', 'sl_bias'], 'sl_logit'),
      node('Sigmoid', ['sl_logit'], outputName),
    ],
    initializers: [
      tensorProto({ name: 'sl_weights', dims: [dimensions], floatData: Array.from(model.weights) }),
      tensorProto({ name: 'sl_bias', dims: [], floatData: [model.bias] }),
      int64TensorProto({ name: 'sl_axis', dims: [1], int64Data: [1] }),
    ],
    inputs: [
      valueInfoProto({ name: indicesName, elemType: OnnxDataType.INT64, shape: ['N', 'K'] }),
      valueInfoProto({ name: valuesName, elemType: OnnxDataType.FLOAT, shape: ['N', 'K'] }),
    ],
    outputs: [valueInfoProto({ name: outputName, elemType: OnnxDataType.FLOAT, shape: ['N'] })],
    docString: `sigmoid(sum_k weights[${indicesName}[n,k]] * ${valuesName}[n,k] + bias), weights of length ${dimensions}`,
  });
  return modelProto({ graph });
}
