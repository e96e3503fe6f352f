import type { LogisticModel } from '../logistic-regression.ts';
import { OnnxDataType, graphProto, modelProto, nodeProto, tensorProto, valueInfoProto } from './onnx-model.ts';

export interface ExportLogisticOptions {
  outputName: string;
  /**
   * Features computed inside the graph as the product of two graph inputs, keyed by feature
   * name. They are not graph inputs, so a caller still sends only the raw values.
   */
  productFeatures?: Readonly<Record<string, readonly [string, string]>>;
}

/**
 * ONNX graph with one FP32 [N] input per feature (named by featureNames; product features
 * excepted) computing sigmoid(Σ ((x_i − mean_i) / std_i) · w_i + bias) into one FP32 [N] output.
 * The per-feature Sub/Div/Mul are kept unfused so the float order matches predictProba.
 */
export function exportLogisticRegressionOnnx(model: LogisticModel, options: ExportLogisticOptions): Uint8Array {
  const { featureNames } = model;
  if (featureNames.length === 0) throw new Error('exportLogisticRegressionOnnx: model has no features');
  const products = options.productFeatures ?? {};
  const graphInputs = featureNames.filter((f) => !Object.hasOwn(products, f));
  for (const [feature, factors] of Object.entries(products)) {
    if (!featureNames.includes(feature) || factors.some((f) => !graphInputs.includes(f))) {
      throw new Error(
        `exportLogisticRegressionOnnx: product feature "${feature}" must be a model feature built from two raw inputs`,
      );
    }
  }
  const scalar = (name: string, value: number): Uint8Array => tensorProto({ name, dims: [], floatData: [value] });
  const vector = (name: string): Uint8Array => valueInfoProto({ name, elemType: OnnxDataType.FLOAT, shape: ['N'] });

  const nodes: Uint8Array[] = [];
  const initializers: Uint8Array[] = [];
  const names: string[] = [...graphInputs, options.outputName];
  const node = (opType: string, inputs: string[], output: string): string => {
    nodes.push(nodeProto({ opType, inputs, outputs: [output], name: `${opType}_${nodes.length}` }));
    names.push(output);
    return output;
  };
  const constant = (name: string, value: number): string => {
    initializers.push(scalar(name, value));
    names.push(name);
    return name;
  };

  let sum: string | undefined;
  featureNames.forEach((feature, j) => {
    const factors = products[feature];
    const value = factors === undefined ? feature : node('Mul', [factors[0], factors[1]], feature);
    const centered = node('Sub', [value, constant(`lr_mean_${j}`, model.means[j]!)], `lr_centered_${j}`);
    const scaled = node('Div', [centered, constant(`lr_std_${j}`, model.stds[j]!)], `lr_scaled_${j}`);
    const term = node('Mul', [scaled, constant(`lr_weight_${j}`, model.weights[j]!)], `lr_term_${j}`);
    sum = sum === undefined ? term : node('Add', [sum, term], `lr_sum_${j}`);
  });
  const logit = node('Add', [sum!, constant('lr_bias', model.bias)], 'lr_logit');
  nodes.push(nodeProto({ opType: 'Sigmoid', inputs: [logit], outputs: [options.outputName], name: 'Sigmoid_out' }));

  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new Error(
      `exportLogisticRegressionOnnx: tensor name "${duplicate}" is used twice (feature or output name clash)`,
    );
  }

  const graph = graphProto({
    name: 'logistic_regression',
    nodes,
    initializers,
    inputs: graphInputs.map(vector),
    outputs: [vector(options.outputName)],
    docString: 'sigmoid(sum_i ((x_i - mean_i) / std_i) * w_i + bias)',
  });
  return modelProto({ graph });
}
