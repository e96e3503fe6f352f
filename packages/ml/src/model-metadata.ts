import type { LogisticModel } from './logistic-regression.ts';
import type { BinaryMetrics } from './metrics.ts';

export interface ModelTensorMetadata {
  name: string;
  datatype: 'FP32' | 'INT64' | 'BYTES';
  /** -1 marks a variable dimension (the batch). */
  shape: number[];
}

/**
 * What an exact explainer needs of a logistic model: its coefficients on
 * standardised features, and how derived features come from the inputs.
 */
export interface LogisticExplainerSpec {
  kind: 'logistic';
  output: string;
  model: LogisticModel;
  /** Derived feature name → the two inputs it is the product of. */
  products: Record<string, readonly [string, string]>;
}

/**
 * `enabled: false`: the version is not monitored for drift at all (no `reference`), for `reason`.
 * Otherwise `unmonitored` names inputs or outputs without a reference, each with why (raw text,
 * say, has no numeric distribution).
 */
export type DriftMonitoring =
  | { enabled: false; reason: string }
  | { enabled: true; unmonitored: Record<string, string> };

/** The card stored beside every model artifact (model.json in the repository). */
export interface ModelMetadata {
  name: string;
  version: string;
  /** onnx: model.onnx for ONNX Runtime; tfjs: a single-file TensorFlow.js model. */
  platform: 'onnx' | 'tfjs';
  inputs: ModelTensorMetadata[];
  outputs: ModelTensorMetadata[];
  /** Decision rule for binary classifiers: positive when the score >= threshold. */
  threshold?: number;
  /** Held-out metrics. */
  metrics?: BinaryMetrics;
  /** Held-out calibration of the scores (reliability bins, Brier, ECE). */
  calibration?: import('./calibration.ts').Calibration;
  dataset?: { name: string; hash: string; rows: number; test_rows: number };
  params?: Record<string, unknown>;
  explainer?: LogisticExplainerSpec;
  /** Reference input values (training means): the baseline of model-agnostic explanations. */
  baseline?: Record<string, number>;
  /**
   * Training-data distributions of every input and output: what drift is measured against.
   * Built by buildModelCard, which refuses a card that leaves a tensor out without a reason.
   */
  reference?: Record<string, import('./monitoring/reference-summary.ts').NumericReferenceSummary>;
  /** What drift monitoring leaves out of this version, and why (absent: every input and output is in `reference`). */
  drift_monitoring?: DriftMonitoring;
  /**
   * How serving turns the public inputs into the graph's inputs, for models whose graph does not
   * take them as is (e.g. raw text hashed into sparse indices/values by vectorizeText).
   */
  transform?: import('./text/hashing-vectorizer.ts').TextHashingTransform;
  /**
   * The inputs are a sensor window over an entity's readings: a caller may send entity ids
   * instead of inputs, and serving fetches the vectors from the online feature store.
   */
  online_features?: import('./sensor/sensor-windows.ts').SensorWindowSpec;
  created_at: string;
}
