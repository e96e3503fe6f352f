import {
  SENSOR_ANOMALY_FEATURES,
  SENSOR_ANOMALY_TRAINING_PARAMS,
  bestThreshold,
  fitLogisticRegression,
  predictProba,
  sensorAnomalyFeatures,
} from '@meridian/ml';
import type { SensorReading } from '@meridian/ml';

/**
 * The global sensor-anomaly model refitted on the given training readings only, exactly as
 * trainSensorAnomalyBaseline fits it (same features, parameters and threshold rule), so a
 * study can hold out readings other than the ones the published model was scored on.
 */
export function fitGlobalModel(train: readonly SensorReading[]): {
  threshold: number;
  probability: (r: SensorReading) => number;
} {
  const { classWeight, l2, maxIter, tol } = SENSOR_ANOMALY_TRAINING_PARAMS;
  const model = fitLogisticRegression({
    x: train.map(sensorAnomalyFeatures),
    y: train.map((r) => r.label),
    featureNames: [...SENSOR_ANOMALY_FEATURES],
    l2,
    classWeight,
    maxIter,
    tol,
  });
  const threshold = bestThreshold({
    yTrue: train.map((r) => r.label),
    scores: predictProba(model, train.map(sensorAnomalyFeatures)),
  });
  return { threshold, probability: (r) => predictProba(model, [sensorAnomalyFeatures(r)])[0]! };
}
