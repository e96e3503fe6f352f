import { z } from 'zod';
import type { OfflineFeatureRow } from '@meridian/contracts';
import { rootLogger } from '@meridian/service-kit';
import {
  SENSOR_DATASET_NAME,
  SPAM_DATASET_NAME,
  TFJS_ARTIFACT_FILE,
  datasetHash,
  loadSensorReadings,
  loadSpamMails,
  spamDatasetHash,
  SENSOR_ANOMALY_WINDOWED_MODEL_NAME,
  SENSOR_ANOMALY_WINDOWED_PARAMS,
  sensorWindowSpec,
  trainSensorAnomalyWindowed,
  warmUpRow,
  windowFeatureNames,
  CPS_DATASET_NAME,
  cpsDatasetHash,
  loadCpsWorkers,
  loadTf,
  trainSensorAnomalyBaseline,
  trainSensorAnomalyMlp,
  trainSpam,
  trainWageModel,
  type ModelMetadata,
} from '@meridian/ml';

export interface Progress {
  epoch: number;
  epochs: number;
  loss: number | null;
  elapsed_ms: number;
}

export interface TrainedModel {
  artifact: Uint8Array;
  artifactFile: string;
  metadata: ModelMetadata;
  /** Held-out metrics; the gate compares `gateMetric`. */
  metrics: Record<string, number>;
}

export interface Trainer {
  model: string;
  /** The trainer's parameters; unknown or invalid ones are refused with 400. */
  params: z.ZodType<Record<string, unknown>>;
  gateMetric: string;
  snapshot(): { dataset: string; hash: string; rows: number };
  /** Also learns from the labelled rows of the offline feature log (what the features app scored online). */
  offlineFeatures?: boolean;
  train(
    params: Record<string, unknown>,
    onProgress: (p: Progress) => void,
    context?: { offlineRows: OfflineFeatureRow[] },
  ): Promise<TrainedModel>;
}

const metricsOf = (
  m: { precision: number; recall: number; f1: number; rocAuc: number; prAuc: number; accuracy: number },
  card?: ModelMetadata,
) => ({
  precision: m.precision,
  recall: m.recall,
  f1: m.f1,
  roc_auc: m.rocAuc,
  pr_auc: m.prAuc,
  accuracy: m.accuracy,
  ...(card?.calibration ? { brier: card.calibration.brier, ece: card.calibration.ece } : {}),
});

/** Fits without epochs (closed-form or IRLS) report one step of progress: how long they took. */
function timed<T>(onProgress: (p: Progress) => void, fit: () => T): T {
  const started = Date.now();
  const result = fit();
  onProgress({ epoch: 1, epochs: 1, loss: null, elapsed_ms: Date.now() - started });
  return result;
}

const sensorParams = z.strictObject({
  algorithm: z.enum(['logistic', 'mlp']).default('logistic'),
  l2: z.number().min(0).max(100).optional(),
  max_iter: z.number().int().min(1).max(1000).optional(),
  epochs: z.number().int().min(1).max(1000).optional(),
});

const sensorAnomaly: Trainer = {
  model: 'sensor-anomaly',
  params: sensorParams,
  gateMetric: 'f1',
  snapshot() {
    const rows = loadSensorReadings();
    return { dataset: SENSOR_DATASET_NAME, hash: datasetHash(rows), rows: rows.length };
  },
  async train(raw, onProgress) {
    const params = sensorParams.parse(raw);
    if (params.algorithm === 'mlp') {
      rootLogger().info({ backend: (await loadTf()).backend }, 'training backend');
      const mlp = await trainSensorAnomalyMlp({
        ...(params.epochs ? { epochs: params.epochs } : {}),
        onEpoch: (p) =>
          onProgress({
            epoch: p.epoch,
            epochs: p.epochs,
            loss: Number.isFinite(p.loss) ? p.loss : null,
            elapsed_ms: p.elapsedMs,
          }),
      });
      mlp.model.dispose();
      return {
        artifact: mlp.artifact,
        artifactFile: TFJS_ARTIFACT_FILE,
        metadata: mlp.metadata,
        metrics: metricsOf(mlp.metrics.test),
      };
    }
    const fit = timed(onProgress, () =>
      trainSensorAnomalyBaseline({
        params: {
          ...(params.l2 !== undefined ? { l2: params.l2 } : {}),
          ...(params.max_iter ? { maxIter: params.max_iter } : {}),
        },
      }),
    );
    return {
      artifact: fit.onnx,
      artifactFile: 'model.onnx',
      metadata: fit.metadata,
      metrics: metricsOf(fit.metrics.test, fit.metadata),
    };
  },
};

const spam: Trainer = {
  model: 'spam',
  params: z.strictObject({}),
  gateMetric: 'f1',
  snapshot() {
    const mails = loadSpamMails();
    return { dataset: SPAM_DATASET_NAME, hash: spamDatasetHash(mails), rows: mails.length };
  },
  async train(_params, onProgress) {
    const fit = timed(onProgress, () => trainSpam());
    return {
      artifact: fit.artifact,
      artifactFile: 'model.onnx',
      metadata: fit.metadata,
      metrics: {
        ...metricsOf(fit.metrics.test, fit.metadata),
        hard_ham_false_positive_rate: fit.metrics.hardHam.falsePositiveRate,
      },
    };
  },
};

const wageAboveMedian: Trainer = {
  model: 'wage-above-median',
  params: z.strictObject({}),
  gateMetric: 'f1',
  snapshot() {
    const workers = loadCpsWorkers();
    return { dataset: CPS_DATASET_NAME, hash: cpsDatasetHash(workers), rows: workers.length };
  },
  async train(_params, onProgress) {
    const fit = timed(onProgress, () => trainWageModel());
    return {
      artifact: fit.artifact,
      artifactFile: 'model.onnx',
      metadata: fit.metadata,
      metrics: metricsOf(fit.metrics.test, fit.metadata),
    };
  },
};

/** Sensor anomalies from a mote's recent readings: the model the features app scores every reading on. */
const sensorAnomalyWindowed: Trainer = {
  model: SENSOR_ANOMALY_WINDOWED_MODEL_NAME,
  params: z.strictObject({ window: z.number().int().min(1).max(100).optional() }),
  gateMetric: 'f1',
  snapshot() {
    const rows = loadSensorReadings();
    return { dataset: SENSOR_DATASET_NAME, hash: datasetHash(rows), rows: rows.length };
  },
  offlineFeatures: true,
  async train(raw, onProgress, context) {
    const params = z.strictObject({ window: z.number().int().optional() }).parse(raw);
    const spec = sensorWindowSpec(
      params.window ?? SENSOR_ANOMALY_WINDOWED_PARAMS.window,
      SENSOR_ANOMALY_WINDOWED_PARAMS.features,
    );
    const names = windowFeatureNames(spec);
    // Rows logged under another feature definition cannot be used with this one.
    const usable = (context?.offlineRows ?? []).filter((r) => r.label !== undefined && r.names.join() === names.join());
    // A row scored while its mote warmed up trains the model but stays out of the window statistics' reference.
    const extraTrainingRows = usable.map((r) => ({
      values: r.values,
      label: r.label!,
      fullWindow: warmUpRow(r.row_key, spec.window) !== true,
    }));
    const fit = timed(onProgress, () =>
      trainSensorAnomalyWindowed({ ...(params.window ? { window: params.window } : {}), extraTrainingRows }),
    );
    return {
      artifact: fit.onnx,
      artifactFile: 'model.onnx',
      metadata: fit.metadata,
      metrics: metricsOf(fit.metrics.test, fit.metadata),
    };
  },
};

/** The models the training app knows how to train. */
export const TRAINERS: Record<string, Trainer> = Object.fromEntries(
  [sensorAnomaly, spam, wageAboveMedian, sensorAnomalyWindowed].map((t) => [t.model, t]),
);
