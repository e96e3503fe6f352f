import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  SENSOR_ANOMALY_FEATURES,
  SENSOR_ANOMALY_INPUTS,
  SENSOR_ANOMALY_MLP_PARAMS,
  SENSOR_ANOMALY_OUTPUT,
  SENSOR_DATASET_NAME,
  TFJS_ARTIFACT_FILE,
  batchTensors,
  bestThreshold,
  binaryMetrics,
  buildModelCard,
  buildSensorAnomalyMlpModel,
  datasetHash,
  exportMlpOnnx,
  featureMoments,
  loadSensorReadings,
  loadTf,
  readModelVersion,
  sensorAnomalyFeatures,
  sensorReferenceColumns,
  standardizeRow,
  stratifiedSplit,
  trainSensorAnomalyMlp,
  writeModelVersion,
  type BinaryMetrics,
  type ModelMetadata,
  type SensorReading,
} from '@meridian/ml';
import { LR_REFERENCE_WIDTH, WARMUP, fitOnOrt, scoreOnnx, type WideSpec } from './ort-trainer.ts';

/**
 * Models for bench:inference whose cost is in the model, not in the request path, so dynamic
 * batching has something to amortise. Both are trained on the sensor data's training split and
 * report metrics on its held-out split, like every sensor model.
 * - mlp: the TensorFlow.js MLP as trainSensorAnomalyMlp trains it, served by the tfjs runtime
 *   (pure-JS tfjs pays a large fixed cost per call, almost the same for 1 row as for 64).
 * - wide: the same topology with three hidden layers of 2048 (8.4M weights), exported to ONNX.
 *   A one-row call is a chain of GEMVs streaming 34 MB of weights (~1 ms on one thread here);
 *   64 rows are GEMMs that reuse each weight 64 times (~7 ms, not 64 ms).
 * The wide model is fitted by ONNX Runtime running a training graph (forward, backward and the
 * Adam step, see trainingGraph): pure-JS tfjs trains it at under 10 rows/s on this machine, so
 * one epoch would take half an hour; ORT does several hundred rows/s. It starts from
 * buildSensorAnomalyMlpModel's seeded initial weights (output layer zeroed) and is exported from
 * that tfjs model with exportMlpOnnx; its metrics are those of the exported artifact.
 */
export const COMPUTE_BOUND_SPEC: ComputeBoundSpec = {
  mlp: { name: 'sensor-anomaly-mlp', epochs: SENSOR_ANOMALY_MLP_PARAMS.epochs },
  wide: {
    name: 'sensor-anomaly-wide',
    hiddenLayers: [2048, 2048, 2048],
    epochs: 2,
    batchSize: 512,
    // Peak rate; weight matrices get it scaled by 16/fan-in (LR_REFERENCE_WIDTH).
    learningRate: 1e-2,
  },
};

export interface ComputeBoundSpec {
  mlp: { name: string; epochs: number };
  wide: WideSpec;
}

export interface ComputeBoundModel {
  name: string;
  platform: 'tfjs' | 'onnx';
  description: string;
  /** Metrics on the held-out split, as in the model's card. */
  heldOut: BinaryMetrics;
  /** How long training took when it ran (a cached model reports its original training time). */
  trainingSeconds: number;
  cached: boolean;
}

export interface WriteComputeBoundOptions {
  /** Model repository to write version 1 of each model into (the layout writeModelVersion writes). */
  repository: string;
  say: (message: string) => void;
  /** Trained models are kept here, one folder per hash of their parameters and the data. */
  cacheDir?: string;
  /** Smaller models for tests; COMPUTE_BOUND_SPEC by default. */
  spec?: ComputeBoundSpec;
}

interface Trained {
  artifact: Uint8Array;
  artifactFile: string;
  metadata: ModelMetadata;
}

// Part of every cache key: bump it when training code changes what a given spec produces.
const CACHE_FORMAT = 'compute-bound.v1';

export function defaultBenchModelCache(): string {
  return join(homedir(), '.cache', 'meridian', 'bench-models');
}

/** Trains (or takes from the cache) both models and writes them into `repository` as version 1. */
export async function writeComputeBoundModels(options: WriteComputeBoundOptions): Promise<ComputeBoundModel[]> {
  const { repository, say, spec = COMPUTE_BOUND_SPEC, cacheDir = defaultBenchModelCache() } = options;
  const dataset = datasetHash(loadSensorReadings());
  const jobs = [
    { platform: 'tfjs' as const, params: spec.mlp, train: () => trainMlp(spec.mlp, say) },
    { platform: 'onnx' as const, params: spec.wide, train: () => trainWide(spec.wide, say) },
  ];
  const written: ComputeBoundModel[] = [];
  for (const job of jobs) {
    const key = createHash('sha256')
      .update(JSON.stringify({ format: CACHE_FORMAT, platform: job.platform, params: job.params, dataset }))
      .digest('hex')
      .slice(0, 16);
    const { trained, cached } = await cachedModel({ dir: join(cacheDir, key), name: job.params.name, say }, job.train);
    const { artifact, artifactFile, metadata } = trained;
    await writeModelVersion({ repository, name: job.params.name, version: '1', artifact, artifactFile, metadata });
    const params = metadata.params ?? {};
    written.push({
      name: job.params.name,
      platform: job.platform,
      description: String(params.description),
      heldOut: metadata.metrics!,
      trainingSeconds: Number(params.training_seconds),
      cached,
    });
    say(`${job.params.name}: ${cached ? 'from the cache' : 'trained'}, held-out F1 ${metadata.metrics!.f1.toFixed(3)}`);
  }
  return written;
}

/** The cached version when there is a sound one; otherwise trains, then caches atomically (temp dir, rename). */
async function cachedModel(
  entry: { dir: string; name: string; say: (m: string) => void },
  train: () => Promise<Trained>,
): Promise<{ trained: Trained; cached: boolean }> {
  const { dir, name, say } = entry;
  try {
    const stored = await readModelVersion({ repository: dir, name, version: '1' });
    const { sha256: _sha, artifact: file, ...card } = stored.metadata;
    const artifactPath = stored.artifactPath;
    const metadata = card as unknown as ModelMetadata;
    return { trained: { artifact: await readFile(artifactPath), artifactFile: String(file), metadata }, cached: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      say(`cached ${name} in ${dir} is unusable (${(error as Error).message}); training it again`);
      await rm(dir, { recursive: true, force: true });
    }
  }
  const trained = await train();
  const temp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeModelVersion({ repository: temp, name, version: '1', ...trained });
  try {
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    // Another run cached the same model meanwhile: same key, same parameters, so either copy serves.
    if (!['EEXIST', 'ENOTEMPTY'].includes(String((error as NodeJS.ErrnoException).code))) throw error;
  }
  return { trained, cached: false };
}

async function trainMlp(spec: ComputeBoundSpec['mlp'], say: (m: string) => void): Promise<Trained> {
  const started = Date.now();
  const mlp = await trainSensorAnomalyMlp({
    name: spec.name,
    epochs: spec.epochs,
    onEpoch: ({ epoch, epochs, loss }) => {
      if (epoch % 25 === 0 || epoch === epochs) say(`${spec.name}: epoch ${epoch}/${epochs}, loss ${loss.toFixed(4)}`);
    },
  });
  mlp.model.dispose();
  const reduced = spec.epochs < SENSOR_ANOMALY_MLP_PARAMS.epochs ? `, ${spec.epochs} epochs for bench time` : '';
  const params = {
    ...mlp.metadata.params,
    description: `TensorFlow.js MLP ${SENSOR_ANOMALY_FEATURES.length}→${SENSOR_ANOMALY_MLP_PARAMS.hiddenUnits}→1 (${mlp.metadata.params.backend})${reduced}`,
    training_seconds: (Date.now() - started) / 1000,
  };
  return { artifact: mlp.artifact, artifactFile: TFJS_ARTIFACT_FILE, metadata: { ...mlp.metadata, params } };
}

async function trainWide(spec: WideSpec, say: (m: string) => void): Promise<Trained> {
  const started = Date.now();
  const { seed, testFraction } = SENSOR_ANOMALY_MLP_PARAMS;
  const rows = loadSensorReadings();
  const { train, test } = stratifiedSplit(rows, { testFraction, seed, label: (r) => r.label });
  const moments = featureMoments(train.map(sensorAnomalyFeatures));
  const { tf } = await loadTf();
  const model = buildSensorAnomalyMlpModel(tf, { ...moments, hiddenLayers: spec.hiddenLayers, seed });
  let artifact: Uint8Array;
  try {
    const layers = [
      ...spec.hiddenLayers.map((_, k) => (k === 0 ? 'hidden' : `hidden_${k + 1}`)),
      SENSOR_ANOMALY_OUTPUT,
    ].map((name) => model.getLayer(name));
    const initial = layers.flatMap((layer) => layer.getWeights().map((w) => Float32Array.from(w.dataSync())));
    // A zero output layer starts every score at 0.5: Glorot weights over 2048 units start logits
    // at a spread of ~±2, and the first steps then go to undoing that instead of learning.
    initial[initial.length - 2]!.fill(0);
    const z = train.map((r) => standardizeRow(sensorAnomalyFeatures(r), moments.means, moments.stds));
    const fitted = await fitOnOrt({ spec, initial, z, labels: train.map((r) => r.label), seed, say });
    layers.forEach((layer, l) => {
      const weights = layer.getWeights().map((w, j) => tf.tensor(fitted[2 * l + j]!, w.shape));
      layer.setWeights(weights);
      tf.dispose(weights);
    });
    artifact = exportMlpOnnx(model, { inputNames: [...SENSOR_ANOMALY_INPUTS], outputName: SENSOR_ANOMALY_OUTPUT });
  } finally {
    model.dispose();
  }

  const scores = await scoreOnnx(artifact, [train, test]);
  const [trainScores, testScores] = [scores[0]!, scores[1]!];
  const threshold = bestThreshold({ yTrue: train.map((r) => r.label), scores: trainScores });
  const evaluate = (split: SensorReading[], s: number[]) =>
    binaryMetrics({ yTrue: split.map((r) => r.label), scores: s, threshold });
  const widths = [SENSOR_ANOMALY_FEATURES.length, ...spec.hiddenLayers, 1];
  const weightCount = widths.slice(1).reduce((n, w, l) => n + (widths[l]! + 1) * w, 0);
  const metadata = buildModelCard<ModelMetadata>(
    {
      name: spec.name,
      version: '1',
      platform: 'onnx',
      inputs: batchTensors(SENSOR_ANOMALY_INPUTS),
      outputs: batchTensors([SENSOR_ANOMALY_OUTPUT]),
      threshold,
      metrics: evaluate(test, testScores),
      dataset: { name: SENSOR_DATASET_NAME, hash: datasetHash(rows), rows: rows.length, test_rows: test.length },
      params: {
        description: `ONNX MLP ${widths.join('→')} (${(weightCount / 1e6).toFixed(1)}M weights)`,
        seed,
        testFraction,
        ...spec,
        hiddenLayers: [...spec.hiddenLayers],
        optimizer: 'adam',
        classWeight: 'balanced',
        thresholdRule: SENSOR_ANOMALY_MLP_PARAMS.thresholdRule,
        architecture: `[humidity, temperature, humidity*temperature] -> standardise (frozen dense) -> ${spec.hiddenLayers.map((u) => `dense ${u} relu`).join(' -> ')} -> dense 1 sigmoid`,
        trainer:
          'ONNX Runtime running a forward + backward + Adam graph from the seeded initial weights of buildSensorAnomalyMlpModel; exported with exportMlpOnnx',
        initialization: 'buildSensorAnomalyMlpModel (He normal hidden layers), output layer zeroed',
        learningRateSchedule: `linear warm-up over ${WARMUP * 100}% of the steps, then cosine decay to 0`,
        learningRateScaling: `weight matrices: rate × min(1, ${LR_REFERENCE_WIDTH} / fan-in) (muP); biases: full rate`,
        weights: weightCount,
        features: [...SENSOR_ANOMALY_FEATURES],
        standardization: moments,
        train_metrics: evaluate(train, trainScores),
        training_seconds: (Date.now() - started) / 1000,
      },
      baseline: {
        humidity: mean(train.map((r) => r.humidity)),
        temperature: mean(train.map((r) => r.temperature)),
      },
      created_at: new Date().toISOString(),
    },
    { columns: sensorReferenceColumns(train, trainScores) },
  );
  return { artifact, artifactFile: 'model.onnx', metadata };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
