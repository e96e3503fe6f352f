import { calibration } from '../calibration.ts';
import { fitLogisticRegression, predictProba } from '../logistic-regression.ts';
import type { LogisticModel } from '../logistic-regression.ts';
import { binaryMetrics } from '../metrics.ts';
import type { BinaryMetrics } from '../metrics.ts';
import type { ModelMetadata } from '../model-metadata.ts';
import { fairnessReport } from '../monitoring/fairness.ts';
import type { FairnessReport } from '../monitoring/fairness.ts';
import { batchTensors, buildModelCard } from '../model-card.ts';
import type { NumericReferenceSummary } from '../monitoring/reference-summary.ts';
import { exportLogisticRegressionOnnx } from '../onnx/export-logistic.ts';
import { stratifiedSplit } from '../split.ts';
import { accuracyThreshold } from './accuracy-threshold.ts';
import { CPS_DATASET_NAME, cpsDatasetHash, loadCpsWorkers, medianWage } from './wage-data.ts';
import type { CpsWorker } from './wage-data.ts';
import { WAGE_EXCLUDED_FIELDS, WAGE_FEATURES, WAGE_PROTECTED_ATTRIBUTES, wageFeatures } from './wage-features.ts';

export const WAGE_MODEL_NAME = 'wage-above-median';
export const WAGE_MODEL_OUTPUT = 'above_median_probability';

/** Fixed up front, like the sensor model's; exported so checks can rebuild the same split. */
export const WAGE_TRAINING_PARAMS = {
  seed: 42,
  testFraction: 0.25,
  // The median split makes the classes even by construction: nothing to re-weigh.
  classWeight: 'none',
  l2: 1e-4,
  maxIter: 100,
  tol: 1e-9,
  // Above and below the median matter alike, so accuracy, not F1 (which here picked ~0.35 and
  // selected ~60 % of a 50 % base rate, inflating every group's selection rate).
  thresholdRule: 'max accuracy on train, midpoint to next lower train score',
  referenceBins: 10,
} as const;

export interface WageModelMetadata extends ModelMetadata {
  threshold: number;
  metrics: BinaryMetrics;
  dataset: NonNullable<ModelMetadata['dataset']>;
  params: typeof WAGE_TRAINING_PARAMS & {
    /** Label = wage > this, in dollars per hour; the median of the whole dataset. */
    median_wage: number;
    features: string[];
    excluded_fields: string[];
    protected_attributes: typeof WAGE_PROTECTED_ATTRIBUTES;
    model: LogisticModel;
  };
  /** Training-split summaries per input, what serving-time drift is measured against. */
  reference: Record<string, NumericReferenceSummary>;
  /** Held-out decisions (at the threshold) against each protected attribute. */
  fairness: { sex: FairnessReport; race: FairnessReport };
}

export interface WageModel {
  model: LogisticModel;
  threshold: number;
  /** model.onnx: one FP32 [N] input per WAGE_FEATURES entry, output above_median_probability. */
  artifact: Uint8Array;
  metadata: WageModelMetadata;
  metrics: { train: BinaryMetrics; test: BinaryMetrics };
  fairness: { sex: FairnessReport; race: FairnessReport };
}

export interface TrainWageModelOptions {
  version?: string;
  /** Clock for created_at; injectable so a test can pin it. */
  now?: () => Date;
}

export function wageLabel(worker: CpsWorker, median: number): 0 | 1 {
  return worker.wage > median ? 1 : 0;
}

export function trainWageModel(options: TrainWageModelOptions = {}): WageModel {
  const { version = '1', now = () => new Date() } = options;
  const { seed, testFraction, classWeight, l2, maxIter, tol, referenceBins } = WAGE_TRAINING_PARAMS;
  const workers = loadCpsWorkers();
  const median = medianWage(workers);
  const label = (w: CpsWorker): 0 | 1 => wageLabel(w, median);
  const { train, test } = stratifiedSplit(workers, { testFraction, seed, label });

  const model = fitLogisticRegression({
    x: train.map(wageFeatures),
    y: train.map(label),
    featureNames: [...WAGE_FEATURES],
    l2,
    classWeight,
    maxIter,
    tol,
  });
  const scores = (split: CpsWorker[]): number[] => predictProba(model, split.map(wageFeatures));
  // The threshold comes from training scores only; the test split is touched once, to report.
  const threshold = accuracyThreshold({ yTrue: train.map(label), scores: scores(train) });
  const evaluate = (split: CpsWorker[]): BinaryMetrics =>
    binaryMetrics({ yTrue: split.map(label), scores: scores(split), threshold });
  const metrics = { train: evaluate(train), test: evaluate(test) };

  const testDecisions = scores(test).map((p) => (p >= threshold ? 1 : 0));
  const fairnessBy = (attribute: keyof typeof WAGE_PROTECTED_ATTRIBUTES): FairnessReport => {
    const { field, privileged } = WAGE_PROTECTED_ATTRIBUTES[attribute];
    return fairnessReport({
      yTrue: test.map(label),
      yPred: testDecisions,
      groups: test.map((w) => w[field]),
      privileged,
    });
  };
  const fairness = { sex: fairnessBy('sex'), race: fairnessBy('race') };

  const trainRows = train.map(wageFeatures);
  const columns = Object.fromEntries(WAGE_FEATURES.map((name, j) => [name, trainRows.map((row) => row[j]!)]));
  const artifact = exportLogisticRegressionOnnx(model, { outputName: WAGE_MODEL_OUTPUT });

  const metadata = buildModelCard<WageModelMetadata>(
    {
      name: WAGE_MODEL_NAME,
      version,
      platform: 'onnx',
      inputs: batchTensors(WAGE_FEATURES),
      outputs: batchTensors([WAGE_MODEL_OUTPUT]),
      threshold,
      metrics: metrics.test,
      calibration: calibration({ yTrue: test.map(label), scores: scores(test) }),
      dataset: { name: CPS_DATASET_NAME, hash: cpsDatasetHash(workers), rows: workers.length, test_rows: test.length },
      params: {
        ...WAGE_TRAINING_PARAMS,
        median_wage: median,
        features: [...WAGE_FEATURES],
        excluded_fields: [...WAGE_EXCLUDED_FIELDS],
        protected_attributes: WAGE_PROTECTED_ATTRIBUTES,
        model,
      },
      explainer: { kind: 'logistic', output: WAGE_MODEL_OUTPUT, model, products: {} },
      baseline: Object.fromEntries(WAGE_FEATURES.map((name, j) => [name, model.means[j]!])),
      fairness,
      created_at: now().toISOString(),
    },
    { columns: { ...columns, [WAGE_MODEL_OUTPUT]: scores(train) }, summary: { bins: referenceBins } },
  );
  return { model, threshold, artifact, metadata, metrics, fairness };
}
