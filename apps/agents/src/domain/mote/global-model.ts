import { fitSensorAnomaly, predictProba, sensorAnomalyFeatures } from '@meridian/ml';
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
  const { model, threshold } = fitSensorAnomaly({ train });
  return { threshold, probability: (r) => predictProba(model, [sensorAnomalyFeatures(r)])[0]! };
}
