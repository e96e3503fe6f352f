import type { BinaryMetrics } from '../metrics.ts';
import { SENSOR_ANOMALY_FEATURES, SENSOR_ANOMALY_TRAINING_PARAMS, sensorAnomalyFeatures } from './sensor-anomaly.ts';
import type { SensorReading } from './sensor-data.ts';
import { evaluateWindowed, fitWindowedLogistic } from './sensor-windows-train.ts';
import { windowFeatureNames, windowedRows } from './sensor-windows.ts';
import type { SensorWindowSpec, WindowedRow } from './sensor-windows.ts';

/** What a study fits and scores: a reading (its label, mote and order) and its feature values. */
type StudyRow = Pick<WindowedRow, 'reading' | 'features'>;
import { stratifiedSplit } from '../split.ts';

/**
 * How a window is scored. The data has two anomaly episodes, one on mote 1 and one on mote 4,
 * at the same time, so each scheme answers a different question:
 * - stratified: the baseline's random split. Test anomalies are time-neighbours of training
 *   anomalies of the same episode, so it measures re-finding a known episode.
 * - leave-mote-out: train without one anomalous mote, test on all of its readings; the episode
 *   tested was never seen. One fold per anomalous mote, each trained on the other's episode.
 * - time: train on readings before the median anomaly, test on the rest (all motes). Past → future,
 *   but both halves hold the same two episodes: it tests the episodes' later phases.
 */
export type SensorStudyScheme = 'stratified' | 'leave-mote-out' | 'time';

export interface SensorStudyFold {
  scheme: SensorStudyScheme;
  /** e.g. "seed 42", "test mote 1", "reading >= 2393". */
  fold: string;
  train: { rows: number; positives: number };
  test: BinaryMetrics;
}

export interface SensorStudyResult {
  /** e.g. "w10 mean+std+delta" or "per-reading baseline". */
  features: string;
  folds: SensorStudyFold[];
}

/** Windowed features of `spec`, scored under every scheme. */
export function studySensorWindow(spec: SensorWindowSpec, readings: readonly SensorReading[]): SensorStudyResult {
  const stats = spec.features.length === 0 ? 'raw only' : spec.features.join('+');
  return studyFeatureRows(`w${spec.window} ${stats}`, windowedRows(spec, readings), windowFeatureNames(spec));
}

/** The per-reading baseline's features (humidity, temperature, their product) under the same schemes. */
export function studyPerReadingBaseline(readings: readonly SensorReading[]): SensorStudyResult {
  const rows = readings.map((reading) => ({ reading, features: sensorAnomalyFeatures(reading) }));
  return studyFeatureRows('per-reading baseline', rows, SENSOR_ANOMALY_FEATURES);
}

/**
 * Fits and scores one feature set under every scheme; the threshold always comes from the
 * fold's training rows. `rows` must be in the readings' original order (as windowedRows keeps it),
 * so the stratified fold is the baseline's split.
 */
export function studyFeatureRows(
  features: string,
  rows: readonly StudyRow[],
  names: readonly string[],
): SensorStudyResult {
  const readings = rows.map((r) => r.reading);
  const folds: SensorStudyFold[] = [];
  const run = (scheme: SensorStudyScheme, fold: string, train: StudyRow[], test: StudyRow[]): void => {
    const { model, threshold } = fitWindowedLogistic(train, names);
    const positives = train.filter((r) => r.reading.label === 1).length;
    folds.push({
      scheme,
      fold,
      train: { rows: train.length, positives },
      test: evaluateWindowed(model, threshold, test),
    });
  };

  const { seed, testFraction } = SENSOR_ANOMALY_TRAINING_PARAMS;
  const split = stratifiedSplit(rows, { seed, testFraction, label: (r) => r.reading.label });
  run('stratified', `seed ${seed}`, split.train, split.test);

  for (const mote of anomalousMotes(readings)) {
    run(
      'leave-mote-out',
      `test mote ${mote}`,
      rows.filter((r) => r.reading.moteId !== mote),
      rows.filter((r) => r.reading.moteId === mote),
    );
  }

  const cut = medianAnomalyReading(readings);
  run(
    'time',
    `reading >= ${cut}`,
    rows.filter((r) => r.reading.reading < cut),
    rows.filter((r) => r.reading.reading >= cut),
  );
  return { features, folds };
}

export function anomalousMotes(readings: readonly SensorReading[]): number[] {
  return [...new Set(readings.filter((r) => r.label === 1).map((r) => r.moteId))].sort((a, b) => a - b);
}

/** Reading numbers are aligned across motes (the episodes overlap in them), so one cut splits time. */
export function medianAnomalyReading(readings: readonly SensorReading[]): number {
  const sorted = readings
    .filter((r) => r.label === 1)
    .map((r) => r.reading)
    .sort((a, b) => a - b);
  if (sorted.length === 0) throw new Error('medianAnomalyReading: no anomalies');
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Markdown table, one line per (spec, fold). */
export function formatSensorStudy(results: readonly SensorStudyResult[]): string {
  const f = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toFixed(3));
  const lines = [
    '| features | scheme | fold | train pos | test pos | F1 | precision | recall | ROC-AUC |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { features, folds } of results) {
    for (const { scheme, fold, train, test } of folds) {
      lines.push(
        `| ${features} | ${scheme} | ${fold} | ${train.positives} | ${test.support.positive} | ${f(test.f1)} | ${f(test.precision)} | ${f(test.recall)} | ${f(test.rocAuc)} |`,
      );
    }
  }
  return lines.join('\n');
}
