import { sigmoid, type LogisticExplainerSpec } from '@meridian/ml';
import type { Explanation, ExplanationInputs, LogisticBaseline } from './explain.ts';

export interface ExplainLogisticOptions {
  spec: LogisticExplainerSpec;
  /** Raw model inputs by name, one value per row; derived features are computed, not sent. */
  inputs: ExplanationInputs;
}

/**
 * Exact attributions for a logistic model: attribution_j = w_j · z_j, with the baseline at the
 * training means (z = 0). The model is linear in log-odds, so they add up exactly to
 * logit(output) − bias — no sampling, no approximation.
 *
 * The baseline is a point in feature space, not in input space: a derived feature's mean is not
 * the product of its inputs' means, so raw inputs at their means still give the product a
 * (covariance-sized) attribution.
 */
export function explainLogistic(options: ExplainLogisticOptions): Explanation<LogisticBaseline> {
  const { spec, inputs } = options;
  const { featureNames, means, stds, weights, bias } = spec.model;
  const d = featureNames.length;
  if (means.length !== d || stds.length !== d || weights.length !== d) {
    throw new Error(
      `explainLogistic: model has ${d} features but ${means.length} means, ${stds.length} stds, ${weights.length} weights`,
    );
  }
  const unknownProduct = Object.keys(spec.products).find((name) => !featureNames.includes(name));
  if (unknownProduct !== undefined)
    throw new Error(`explainLogistic: product feature ${unknownProduct} is not a model feature`);

  // Raw inputs the features need: each plain feature itself, each product's two operands.
  const needed = [...new Set(featureNames.flatMap((name) => spec.products[name] ?? [name]))];
  const rows = countRows({ inputs, names: needed, caller: 'explainLogistic' });
  const column = (name: string): readonly number[] => inputs[name]!;
  const featureValue = featureNames.map((name) => {
    const product = spec.products[name];
    if (product === undefined) return (r: number) => column(name)[r]!;
    const [a, b] = product;
    return (r: number) => column(a)[r]! * column(b)[r]!;
  });

  const explained = Array.from({ length: rows }, (_, r) => {
    let z = 0;
    const features = featureNames.map((name, j) => {
      const value = featureValue[j]!(r);
      // Same expression and summation order as predictProba (and the ONNX export), so `output`
      // matches the served score bit for bit in float64.
      const attribution = ((value - means[j]!) / stds[j]!) * weights[j]!;
      z += attribution;
      return { name, value, attribution };
    });
    return { output: sigmoid(z + bias), features };
  });

  return {
    baseline: {
      kind: 'training-mean',
      values: Object.fromEntries(featureNames.map((name, j) => [name, means[j]!])),
      output: sigmoid(bias),
      space: 'log-odds',
    },
    rows: explained,
  };
}

export interface CountRowsOptions {
  inputs: ExplanationInputs;
  /** The inputs that must be present; any other input is refused rather than silently ignored. */
  names: readonly string[];
  caller: string;
}

/** Checks that exactly `names` are present, as equally long (≥ 1) columns of finite numbers. */
export function countRows(options: CountRowsOptions): number {
  const { inputs, names, caller } = options;
  const missing = names.filter((name) => !Object.hasOwn(inputs, name));
  if (missing.length) throw new Error(`${caller}: missing inputs ${missing.join(', ')}`);
  const extra = Object.keys(inputs).filter((name) => !names.includes(name));
  if (extra.length) throw new Error(`${caller}: unexpected inputs ${extra.join(', ')}`);
  const lengths = new Set(names.map((name) => inputs[name]!.length));
  if (lengths.size !== 1) throw new Error(`${caller}: inputs disagree on the row count: ${[...lengths].join(' vs ')}`);
  const rows = [...lengths][0]!;
  if (rows === 0) throw new Error(`${caller}: need at least one row`);
  const nonFinite = names.find((name) => inputs[name]!.some((v) => !Number.isFinite(v)));
  if (nonFinite !== undefined) throw new Error(`${caller}: input ${nonFinite} must hold finite numbers`);
  return rows;
}
