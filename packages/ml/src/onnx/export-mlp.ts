import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import {
  OnnxDataType,
  graphProto,
  int64TensorProto,
  modelProto,
  nodeProto,
  nodeProtoWithIntAttributes,
  tensorProto,
  valueInfoProto,
} from './onnx-model.ts';

export interface ExportMlpOptions {
  /**
   * Graph input names, one per model input in model.inputs order. An input of shape [null, 1]
   * becomes an FP32 [N] graph input (one served column per feature, as our models take them);
   * an input of shape [null, k] stays FP32 [N, k].
   */
  inputNames: readonly string[];
  /** The single output; [null, 1] is squeezed to FP32 [N], [null, k] stays [N, k]. */
  outputName: string;
}

type Layer = LayersModel['layers'][number];

/** Layer classes the exporter understands; anything else is refused rather than approximated. */
export const EXPORTABLE_MLP_LAYERS = ['InputLayer', 'Dense', 'Activation', 'Multiply', 'Concatenate'] as const;

/** tfjs activation name → ONNX op; linear needs none. */
const ACTIVATIONS: Readonly<Record<string, string | null>> = {
  linear: null,
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  softmax: 'Softmax',
};

/**
 * ONNX (IR 8, opset 17) graph computing a trained tfjs Layers model, read off its layers and
 * their inbound nodes, so the exported topology is the model's own. Dense is MatMul + Add (not
 * Gemm) because that is the order of operations tfjs uses, which keeps float results close.
 */
export function exportMlpOnnx(model: LayersModel, options: ExportMlpOptions): Uint8Array {
  const { inputNames, outputName } = options;
  if (inputNames.length !== model.inputs.length) {
    throw new Error(`exportMlpOnnx: the model has ${model.inputs.length} inputs, got ${inputNames.length} input names`);
  }
  if (model.outputs.length !== 1)
    throw new Error(`exportMlpOnnx: expected one model output, got ${model.outputs.length}`);

  const nodes: Uint8Array[] = [];
  const initializers: Uint8Array[] = [];
  const names: string[] = [...inputNames]; // every node output and initializer joins as it is made
  const onnxName = new Map<number, string>(); // SymbolicTensor.id → ONNX tensor name
  const emit = (opType: string, inputs: string[], output: string, intAttributes?: Record<string, number>): string => {
    const spec = { opType, inputs, outputs: [output], name: `${opType}_${nodes.length}` };
    nodes.push(intAttributes ? nodeProtoWithIntAttributes({ ...spec, intAttributes }) : nodeProto(spec));
    names.push(output);
    return output;
  };
  const floats = (name: string, dims: number[], data: ArrayLike<number>): string => {
    initializers.push(tensorProto({ name, dims, floatData: Array.from(data) }));
    names.push(name);
    return name;
  };
  let axisOne: string | undefined;
  // Opset 13+ takes Unsqueeze/Squeeze axes as an INT64 tensor operand, not an attribute.
  const axesOne = (): string => {
    if (axisOne === undefined) {
      initializers.push(int64TensorProto({ name: 'axes_1', dims: [1], int64Data: [1] }));
      axisOne = 'axes_1';
      names.push(axisOne);
    }
    return axisOne;
  };

  const graphInputs = model.inputs.map((input, i) => {
    const name = inputNames[i]!;
    const width = featureWidth(input, `input ${name}`);
    onnxName.set(input.id, width === 1 ? emit('Unsqueeze', [name, axesOne()], `${name}/unsqueeze`) : name);
    return valueInfoProto({ name, elemType: OnnxDataType.FLOAT, shape: width === 1 ? ['N'] : ['N', width] });
  });

  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1) {
      throw new Error(
        `exportMlpOnnx: layer ${layer.name} is applied ${layer.inboundNodes.length} times; only single-use layers are supported`,
      );
    }
    const node = layer.inboundNodes[0]!;
    const inputs = node.inputTensors.map((t) => {
      const name = onnxName.get(t.id);
      if (name === undefined)
        throw new Error(`exportMlpOnnx: layer ${layer.name} reads a tensor no earlier layer produced`);
      return name;
    });
    const prefix = layer.name;
    let out: string;
    switch (className) {
      case 'Dense': {
        if (node.inputTensors[0]!.shape.length !== 2)
          throw new Error(`exportMlpOnnx: Dense layer ${prefix} needs a rank-2 input`);
        const [kernel, bias] = layer.getWeights();
        out = emit(
          'MatMul',
          [inputs[0]!, floats(`${prefix}/kernel`, kernel!.shape, kernel!.dataSync())],
          `${prefix}/MatMul`,
        );
        if (bias !== undefined)
          out = emit('Add', [out, floats(`${prefix}/bias`, bias.shape, bias.dataSync())], `${prefix}/BiasAdd`);
        out = activation(layer, out, emit);
        break;
      }
      case 'Activation':
        out = activation(layer, inputs[0]!, emit);
        break;
      case 'Multiply':
        out = inputs
          .slice(1)
          .reduce((product, input, k) => emit('Mul', [product, input], `${prefix}/Mul_${k}`), inputs[0]!);
        break;
      case 'Concatenate':
        out = emit('Concat', inputs, `${prefix}/Concat`, { axis: Number(layer.getConfig().axis ?? -1) });
        break;
      default:
        throw new Error(
          `exportMlpOnnx: layer ${layer.name} is a ${className}; supported layers are ${EXPORTABLE_MLP_LAYERS.join(', ')}`,
        );
    }
    if (node.outputTensors.length !== 1) throw new Error(`exportMlpOnnx: layer ${layer.name} has several outputs`);
    onnxName.set(node.outputTensors[0]!.id, out);
  }

  const output = model.outputs[0]!;
  const last = onnxName.get(output.id);
  if (last === undefined) throw new Error('exportMlpOnnx: the model output is not computed by its layers');
  const width = featureWidth(output, 'the output');
  if (width === 1) emit('Squeeze', [last, axesOne()], outputName);
  else emit('Identity', [last], outputName);

  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined)
    throw new Error(`exportMlpOnnx: tensor name "${duplicate}" is used twice (input, output or layer name clash)`);

  const graph = graphProto({
    name: model.name,
    nodes,
    initializers,
    inputs: graphInputs,
    outputs: [
      valueInfoProto({ name: outputName, elemType: OnnxDataType.FLOAT, shape: width === 1 ? ['N'] : ['N', width] }),
    ],
    docString: `exported from tfjs layers: ${model.layers.map((l) => `${l.name} (${l.getClassName()})`).join(' -> ')}`,
  });
  return modelProto({ graph });
}

type Emit = (opType: string, inputs: string[], output: string, intAttributes?: Record<string, number>) => string;

function activation(layer: Layer, input: string, emit: Emit): string {
  const name = String(layer.getConfig().activation ?? 'linear');
  const op = ACTIVATIONS[name];
  if (op === undefined) {
    throw new Error(
      `exportMlpOnnx: layer ${layer.name} uses activation ${name}; supported: ${Object.keys(ACTIVATIONS).join(', ')}`,
    );
  }
  if (op === null) return input;
  // tfjs applies softmax over the last axis; ONNX's default is the same, stated to be explicit.
  return emit(op, [input], `${layer.name}/${op}`, op === 'Softmax' ? { axis: -1 } : undefined);
}

/** k of a [null, k] tensor; anything else is not a batch of feature rows. */
function featureWidth(tensor: SymbolicTensor, what: string): number {
  const [batch, width, ...rest] = tensor.shape;
  if (batch !== null || typeof width !== 'number' || rest.length > 0) {
    throw new Error(`exportMlpOnnx: ${what} has shape [${tensor.shape.join(', ')}]; expected [null, k]`);
  }
  return width;
}
