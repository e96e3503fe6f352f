import type { LayersModel, SymbolicTensor, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { bestThreshold, binaryMetrics } from '../metrics.ts';
import type { BinaryMetrics } from '../metrics.ts';
import { batchTensors, buildModelCard } from '../model-card.ts';
import type { ModelMetadata } from '../model-metadata.ts';
import {
  SENSOR_ANOMALY_FEATURES,
  SENSOR_ANOMALY_INPUTS,
  SENSOR_ANOMALY_MODEL_NAME,
  SENSOR_ANOMALY_OUTPUT,
  SENSOR_ANOMALY_TRAINING_PARAMS,
  sensorAnomalyFeatures,
  sensorReferenceColumns,
} from './sensor-anomaly.ts';
import { SENSOR_DATASET_NAME, datasetHash, loadSensorReadings } from './sensor-data.ts';
import type { SensorReading } from './sensor-data.ts';
import { mulberry32, stratifiedSplit, shuffleInPlace } from '../split.ts';
import { featureMoments } from '../standardize.ts';
import { loadTf } from '../tf-backend.ts';
import type { Tf } from '../tf-backend.ts';
import { serializeTfjsModel } from '../tfjs-artifact.ts';

type SensorInputs = Pick<SensorReading, 'humidity' | 'temperature'>;

/**
 * Fixed up front. Epochs, width and learning rate were compared on stratified hold-outs carved
 * from the training split (seeds 7, 11, 13), never on the test split; the split is the baseline's.
 */
export const SENSOR_ANOMALY_MLP_PARAMS = {
  seed: SENSOR_ANOMALY_TRAINING_PARAMS.seed,
  testFraction: SENSOR_ANOMALY_TRAINING_PARAMS.testFraction,
  hiddenUnits: 16,
  epochs: 100,
  batchSize: 128,
  optimizer: 'adam',
  learningRate: 0.01,
  classWeight: 'balanced',
  thresholdRule: SENSOR_ANOMALY_TRAINING_PARAMS.thresholdRule,
} as const;

export interface TrainSensorAnomalyMlpOptions {
  /** Model version recorded in the metadata (Triton-style integer string). */
  version?: string;
  /** Fewer epochs make a quick model for tests of the plumbing. */
  epochs?: number;
  /** Units of each hidden ReLU layer, input side first; one layer of `hiddenUnits` (16) by default. */
  hiddenLayers?: readonly number[];
  /** Name recorded in the metadata; SENSOR_ANOMALY_MODEL_NAME by default. */
  name?: string;
  /**
   * Fit on at most this many training rows, a seeded stratified sample of the training split, so a
   * very wide model trains in bounded time. The threshold, the train metrics and the drift reference
   * come from the sample (the rows the model saw); standardisation moments and the baseline from the
   * whole training split; the test split and its metrics are always the full held-out split.
   */
  maxTrainRows?: number;
  /** Clock for created_at; injectable so a test can pin it. */
  now?: () => Date;
  /** Called after every epoch, for progress reports. */
  onEpoch?: (progress: { epoch: number; epochs: number; loss: number; elapsedMs: number }) => void;
}

export interface SensorAnomalyMlp {
  /** The trained model; the caller disposes it. */
  model: LayersModel;
  /** Single-file model (see serializeTfjsModel). */
  artifact: Uint8Array;
  metadata: ModelMetadata & { threshold: number; metrics: BinaryMetrics; params: Record<string, unknown> };
  metrics: { train: BinaryMetrics; test: BinaryMetrics };
}

export async function trainSensorAnomalyMlp(options: TrainSensorAnomalyMlpOptions = {}): Promise<SensorAnomalyMlp> {
  const { version = '1', epochs = SENSOR_ANOMALY_MLP_PARAMS.epochs, now = () => new Date() } = options;
  const { name = SENSOR_ANOMALY_MODEL_NAME, hiddenLayers = [SENSOR_ANOMALY_MLP_PARAMS.hiddenUnits] } = options;
  const { seed, testFraction, batchSize, learningRate } = SENSOR_ANOMALY_MLP_PARAMS;
  if (hiddenLayers.length === 0 || !hiddenLayers.every((units) => Number.isInteger(units) && units > 0)) {
    throw new RangeError(`hiddenLayers must be positive integers, at least one, got [${hiddenLayers.join(', ')}]`);
  }
  const { tf, backend } = await loadTf();
  const rows = loadSensorReadings();
  const split = stratifiedSplit(rows, { testFraction, seed, label: (r) => r.label });
  const { test } = split;
  const train = sampleRows(split.train, { maxRows: options.maxTrainRows, seed });
  const moments = featureMoments(split.train.map(sensorAnomalyFeatures));

  const model = buildSensorAnomalyMlpModel(tf, { ...moments, hiddenLayers, seed });
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'binaryCrossentropy' });
  // ~0.8% positives: without reweighting the loss is minimised by never raising an alarm.
  const positives = train.filter((r) => r.label === 1).length;
  const classWeight = { 0: train.length / (2 * (train.length - positives)), 1: train.length / (2 * positives) };
  // fit's own shuffle uses Math.random; a seeded shuffle per epoch keeps training reproducible.
  const random = mulberry32(seed);
  const order = train.map((_, i) => i);
  const started = Date.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, random);
    const batch = order.map((i) => train[i]!);
    const xs = inputColumns(tf, batch);
    const ys = tf.tensor2d(
      batch.map((r) => r.label),
      [batch.length, 1],
    );
    try {
      const history = await model.fit(xs, ys, { epochs: 1, batchSize, shuffle: false, classWeight, verbose: 0 });
      options.onEpoch?.({
        epoch: epoch + 1,
        epochs,
        loss: Number(history.history.loss?.[0] ?? NaN),
        elapsedMs: Date.now() - started,
      });
    } finally {
      tf.dispose([...xs, ys]);
    }
  }

  const trainScores = predictSensorAnomalyMlp(tf, model, train);
  // The threshold comes from training scores only; the test split is touched once, to report.
  const threshold = bestThreshold({ yTrue: train.map((r) => r.label), scores: trainScores });
  const evaluate = (split: SensorReading[], scores: number[]): BinaryMetrics =>
    binaryMetrics({ yTrue: split.map((r) => r.label), scores, threshold });
  const metrics = {
    train: evaluate(train, trainScores),
    test: evaluate(test, predictSensorAnomalyMlp(tf, model, test)),
  };

  const metadata = buildModelCard<SensorAnomalyMlp['metadata']>(
    {
      name,
      version,
      platform: 'tfjs',
      inputs: batchTensors(SENSOR_ANOMALY_INPUTS),
      outputs: batchTensors([SENSOR_ANOMALY_OUTPUT]),
      threshold,
      metrics: metrics.test,
      dataset: { name: SENSOR_DATASET_NAME, hash: datasetHash(rows), rows: rows.length, test_rows: test.length },
      params: {
        ...layerParams(hiddenLayers),
        epochs,
        ...(train.length < split.train.length
          ? { maxTrainRows: options.maxTrainRows, trainRows: train.length, sampling: 'stratified, seeded' }
          : {}),
        architecture: `[humidity, temperature, humidity*temperature] -> standardise (frozen dense) -> ${hiddenLayers.map((units) => `dense ${units} relu`).join(' -> ')} -> dense 1 sigmoid`,
        features: [...SENSOR_ANOMALY_FEATURES],
        standardization: moments,
        backend,
      },
      // Training means of the raw inputs: the reference point for model-agnostic explanations.
      baseline: {
        humidity: mean(split.train.map((r) => r.humidity)),
        temperature: mean(split.train.map((r) => r.temperature)),
      },
      created_at: now().toISOString(),
    },
    { columns: sensorReferenceColumns(train, trainScores) },
  );
  return { model, artifact: await serializeTfjsModel(model), metadata, metrics };
}

/** Scores readings with a model built here (or loaded from its artifact): one probability per reading. */
export function predictSensorAnomalyMlp(tf: Tf, model: LayersModel, readings: readonly SensorInputs[]): number[] {
  return tf.tidy(() => {
    const scores = model.predict(inputColumns(tf, readings), { batchSize: 4096 }) as Tensor;
    return Array.from(scores.dataSync());
  });
}

/**
 * The untrained model, seeded initial weights included (exported for trainers that fit the same
 * topology elsewhere and set the weights back, e.g. to export a very wide one to ONNX).
 * Inputs are the raw humidity and temperature as [N, 1] each, named like the served inputs.
 * Everything derived — the product and the standardisation — is inside the graph in built-in
 * layers (a Lambda layer would not serialise), so serving needs no feature code.
 * Hidden layers are named hidden, hidden_2, …; the output layer is SENSOR_ANOMALY_OUTPUT.
 */
export function buildSensorAnomalyMlpModel(
  tf: Tf,
  options: { means: number[]; stds: number[]; hiddenLayers: readonly number[]; seed: number },
): LayersModel {
  const { means, stds, hiddenLayers, seed } = options;
  const [humidity, temperature] = SENSOR_ANOMALY_INPUTS.map((name) => tf.input({ shape: [1], name }));
  const product = tf.layers
    .multiply({ name: 'humidity_x_temperature' })
    .apply([humidity!, temperature!]) as SymbolicTensor;
  const features = tf.layers
    .concatenate({ name: 'features' })
    .apply([humidity!, temperature!, product]) as SymbolicTensor;
  // Frozen: the optimizer must not move the training moments; z = (x - mean) / std as x·K + b.
  const standardize = tf.layers.dense({ units: features.shape[1]!, name: 'standardize', trainable: false });
  const z = standardize.apply(features) as SymbolicTensor;
  // The first layer keeps the single-layer model's name and seed, so the default model is unchanged.
  const hidden = hiddenLayers.reduce(
    (x, units, k) =>
      tf.layers
        .dense({
          units,
          activation: 'relu',
          kernelInitializer: tf.initializers.heNormal({ seed: k === 0 ? seed : seed + 1 + k }),
          name: k === 0 ? 'hidden' : `hidden_${k + 1}`,
        })
        .apply(x) as SymbolicTensor,
    z,
  );
  const output = tf.layers
    .dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      name: SENSOR_ANOMALY_OUTPUT,
    })
    .apply(hidden) as SymbolicTensor;
  const model = tf.model({ inputs: [humidity!, temperature!], outputs: output, name: 'sensor_anomaly_mlp' });
  const kernel = stds.map((_, i) => stds.map((s, j) => (i === j ? 1 / s : 0)));
  tf.tidy(() => standardize.setWeights([tf.tensor2d(kernel), tf.tensor1d(means.map((m, j) => -m / stds[j]!))]));
  return model;
}

/** The fixed parameters with the chosen layers: `hiddenUnits` stays where it was for a one-layer model. */
function layerParams(hiddenLayers: readonly number[]): Record<string, unknown> {
  const { hiddenUnits: _single, ...shared } = SENSOR_ANOMALY_MLP_PARAMS;
  const units = hiddenLayers.length === 1 ? { ...SENSOR_ANOMALY_MLP_PARAMS, hiddenUnits: hiddenLayers[0] } : shared;
  return { ...units, hiddenLayers: [...hiddenLayers] };
}

/** All rows, or a seeded stratified sample of maxRows of them (each class keeps its share). */
function sampleRows(rows: SensorReading[], options: { maxRows: number | undefined; seed: number }): SensorReading[] {
  const { maxRows, seed } = options;
  if (maxRows === undefined || maxRows >= rows.length) return rows;
  if (!(Number.isInteger(maxRows) && maxRows > 0))
    throw new RangeError(`maxTrainRows must be a positive integer, got ${maxRows}`);
  // Rounding each class's share can give one row more than asked.
  return stratifiedSplit(rows, { testFraction: maxRows / rows.length, seed, label: (r) => r.label }).test.slice(
    0,
    maxRows,
  );
}

function inputColumns(tf: Tf, readings: readonly SensorInputs[]): Tensor2D[] {
  return [
    tf.tensor2d(
      readings.map((r) => r.humidity),
      [readings.length, 1],
    ),
    tf.tensor2d(
      readings.map((r) => r.temperature),
      [readings.length, 1],
    ),
  ];
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
