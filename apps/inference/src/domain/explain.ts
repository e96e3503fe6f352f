/**
 * Per-row feature attributions for POST /v2/models/{name}/explain. Pure functions, no I/O:
 * the HTTP layer decodes the OIP body into `inputs` and, for the model-agnostic explainer,
 * supplies `predict` backed by the model's runtime.
 *
 * - explainLogistic: exact, closed form, in log-odds space, for models whose metadata carries
 *   a LogisticExplainerSpec.
 * - explainShapley: Shapley values of any model's output, exact for up to
 *   EXACT_SHAPLEY_MAX_FEATURES inputs, sampled beyond that.
 */

export interface FeatureAttribution {
  name: string;
  /** The feature's value in this row (derived features computed from the inputs). */
  value: number;
  attribution: number;
}

export interface ExplainedRow {
  /** The model's output for this row. */
  output: number;
  features: FeatureAttribution[];
}

export interface LogisticBaseline {
  kind: 'training-mean';
  /** Every model feature (derived ones included) at its training mean, i.e. z = 0. */
  values: Record<string, number>;
  /** sigmoid(bias): the model's output at the baseline. */
  output: number;
  /** Attributions add up in log-odds, not probability. */
  space: 'log-odds';
}

export interface ShapleyBaseline {
  kind: 'training-mean' | 'given';
  values: Record<string, number>;
  /** f(baseline). */
  output: number;
  space: 'probability';
  method: 'shapley-exact' | 'shapley-sampled';
}

export interface Explanation<B> {
  baseline: B;
  /** One entry per input row, in input order. */
  rows: ExplainedRow[];
}

export type ExplanationInputs = Readonly<Record<string, readonly number[]>>;

export { explainLogistic, type ExplainLogisticOptions } from './explain-linear.ts';
export {
  EXACT_SHAPLEY_MAX_FEATURES,
  explainShapley,
  type ExplainShapleyOptions,
  type ShapleyPredict,
} from './explain-shapley.ts';
