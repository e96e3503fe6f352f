import { fitLogisticRegression, predictProba } from '../logistic-regression.ts';
import type { LogisticModel } from '../logistic-regression.ts';
import { bestThreshold, binaryMetrics } from '../metrics.ts';
import type { BinaryMetrics } from '../metrics.ts';
import { exportLogisticRegressionOnnx } from '../onnx/export-logistic.ts';
import { SENSOR_DATASET_NAME, datasetHash, loadSensorReadings } from './sensor-data.ts';
import type { SensorReading } from './sensor-data.ts';
import { stratifiedSplit } from '../split.ts';
import { calibration } from '../calibration.ts';
import { batchTensors, buildModelCard } from '../model-card.ts';
import type { ModelMetadata } from '../model-metadata.ts';

export const SENSOR_ANOMALY_MODEL_NAME = 'sensor-anomaly';
export const SENSOR_ANOMALY_OUTPUT = 'anomaly_probability';
/** What a caller sends for one reading; everything else is derived from these inside the model. */
export const SENSOR_ANOMALY_INPUTS = ['humidity', 'temperature'] as const;
/**
 * humidity × temperature lets the linear boundary bend: an anomaly (a hot, wet burst) is
 * high on both at once. Chosen over h² and t² by repeated stratified hold-outs inside the
 * training split only; it is a function of one reading, so serving still needs just the raw pair.
 */
export const SENSOR_ANOMALY_FEATURES = ['humidity', 'temperature', 'humidity_x_temperature'] as const;

const PRODUCT_FEATURES = { humidity_x_temperature: ['humidity', 'temperature'] } as const;

/** Fixed up front (not tuned on the test split); exported so checks can rebuild the same split. */
export const SENSOR_ANOMALY_TRAINING_PARAMS = {
  seed: 42,
  testFraction: 0.25,
  classWeight: 'balanced',
  l2: 1e-4,
  maxIter: 100,
  tol: 1e-9,
  thresholdRule: 'max F1 on train, midpoint to next lower train score',
} as const;

export interface SensorAnomalyMetadata extends ModelMetadata {
  threshold: number;
  metrics: BinaryMetrics;
  dataset: NonNullable<ModelMetadata['dataset']>;
  explainer: NonNullable<ModelMetadata['explainer']>;
  params: Omit<typeof SENSOR_ANOMALY_TRAINING_PARAMS, 'l2' | 'maxIter' | 'tol'> & {
    l2: number;
    maxIter: number;
    tol: number;
    features: string[];
    derived_features: Record<string, string>;
    model: LogisticModel;
  };
}

export interface SensorAnomalyBaseline {
  model: LogisticModel;
  threshold: number;
  metrics: { train: BinaryMetrics; test: BinaryMetrics };
  datasetHash: string;
  onnx: Uint8Array;
  metadata: SensorAnomalyMetadata;
}

export interface TrainSensorAnomalyOptions {
  /** Model version recorded in the metadata (Triton-style integer string). */
  version?: string;
  /** Clock for created_at; injectable so a test can pin it. */
  now?: () => Date;
  /** Overrides of the fitting parameters (the training app's run parameters). */
  params?: { l2?: number; maxIter?: number; tol?: number };
}

/** Mean raw inputs of the training rows: the reference point of explanations. */
export function sensorInputMeans(rows: readonly SensorReading[]): Record<string, number> {
  const mean = (f: (r: SensorReading) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  return { humidity: mean((r) => r.humidity), temperature: mean((r) => r.temperature) };
}

/** What the per-reading sensor models' drift is measured against: the raw inputs and the score over the training rows. */
export function sensorReferenceColumns(
  rows: readonly SensorReading[],
  scores: readonly number[],
): Record<string, readonly number[]> {
  return {
    humidity: rows.map((r) => r.humidity),
    temperature: rows.map((r) => r.temperature),
    [SENSOR_ANOMALY_OUTPUT]: scores,
  };
}

/** Feature row for one reading, in SENSOR_ANOMALY_FEATURES order. */
export function sensorAnomalyFeatures(reading: Pick<SensorReading, 'humidity' | 'temperature'>): number[] {
  return [reading.humidity, reading.temperature, reading.humidity * reading.temperature];
}

/**
 * The logistic model on the sensor features, and its threshold from training scores only (the
 * test split is touched once, to report). Shared by the published model and studies that refit
 * it on other splits.
 */
export function fitSensorAnomaly(o: {
  train: readonly SensorReading[];
  params?: { classWeight: 'balanced' | 'none'; l2: number; maxIter: number; tol: number };
}): { model: LogisticModel; threshold: number } {
  const { classWeight, l2, maxIter, tol } = o.params ?? SENSOR_ANOMALY_TRAINING_PARAMS;
  const model = fitLogisticRegression({
    x: o.train.map(sensorAnomalyFeatures),
    y: o.train.map((r) => r.label),
    featureNames: [...SENSOR_ANOMALY_FEATURES],
    l2,
    classWeight,
    maxIter,
    tol,
  });
  const threshold = bestThreshold({
    yTrue: o.train.map((r) => r.label),
    scores: predictProba(model, o.train.map(sensorAnomalyFeatures)),
  });
  return { model, threshold };
}

export function trainSensorAnomalyBaseline(options: TrainSensorAnomalyOptions = {}): SensorAnomalyBaseline {
  const { version = '1', now = () => new Date() } = options;
  const rows = loadSensorReadings();
  const { seed, testFraction, classWeight, l2, maxIter, tol } = {
    ...SENSOR_ANOMALY_TRAINING_PARAMS,
    ...options.params,
  };
  const { train, test } = stratifiedSplit(rows, { testFraction, seed, label: (r) => r.label });

  const { model, threshold } = fitSensorAnomaly({ train, params: { classWeight, l2, maxIter, tol } });
  const evaluate = (split: SensorReading[], threshold: number): BinaryMetrics =>
    binaryMetrics({
      yTrue: split.map((r) => r.label),
      scores: predictProba(model, split.map(sensorAnomalyFeatures)),
      threshold,
    });
  const metrics = { train: evaluate(train, threshold), test: evaluate(test, threshold) };
  const testCalibration = calibration({
    yTrue: test.map((r) => r.label),
    scores: predictProba(model, test.map(sensorAnomalyFeatures)),
  });
  const hash = datasetHash(rows);
  const onnx = exportLogisticRegressionOnnx(model, {
    outputName: SENSOR_ANOMALY_OUTPUT,
    productFeatures: PRODUCT_FEATURES,
  });

  const metadata = buildModelCard<SensorAnomalyMetadata>(
    {
      name: SENSOR_ANOMALY_MODEL_NAME,
      version,
      platform: 'onnx',
      inputs: batchTensors(SENSOR_ANOMALY_INPUTS),
      outputs: batchTensors([SENSOR_ANOMALY_OUTPUT]),
      threshold,
      metrics: metrics.test,
      calibration: testCalibration,
      dataset: { name: SENSOR_DATASET_NAME, hash, rows: rows.length, test_rows: test.length },
      params: {
        ...SENSOR_ANOMALY_TRAINING_PARAMS,
        ...options.params,
        features: [...SENSOR_ANOMALY_FEATURES],
        derived_features: { humidity_x_temperature: 'humidity * temperature' },
        model,
      },
      explainer: { kind: 'logistic', output: SENSOR_ANOMALY_OUTPUT, model, products: { ...PRODUCT_FEATURES } },
      baseline: sensorInputMeans(train),
      created_at: now().toISOString(),
    },
    { columns: sensorReferenceColumns(train, predictProba(model, train.map(sensorAnomalyFeatures))) },
  );
  return { model, threshold, metrics, datasetHash: hash, onnx, metadata };
}
