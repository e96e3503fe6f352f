import { beforeAll, describe, expect, it } from 'vitest';
import { trainSensorAnomalyBaseline } from './sensor-anomaly.ts';
import { loadSensorReadings } from './sensor-data.ts';
import type { SensorReading } from './sensor-data.ts';
import {
  anomalousMotes,
  formatSensorStudy,
  medianAnomalyReading,
  studyPerReadingBaseline,
  studySensorWindow,
} from './sensor-windows-study.ts';
import type { SensorStudyFold, SensorStudyResult, SensorStudyScheme } from './sensor-windows-study.ts';
import { sensorWindowSpec } from './sensor-windows.ts';

/**
 * The offline study behind the windowed model ("sensor-anomaly F1 ≥ 0.90"). It pins the findings
 * the report states, so a change to the data, the features or the protocol that moves them fails
 * here instead of leaving the report stale. Run it to print the table. Metrics get floors and
 * comparisons between feature sets or schemes, never caps: a better model must not fail here.
 */
let readings: SensorReading[];
let baseline: SensorStudyResult;
let windowed: SensorStudyResult[];

beforeAll(() => {
  readings = loadSensorReadings();
  baseline = studyPerReadingBaseline(readings);
  windowed = [
    ...[5, 10, 20].map((w) => studySensorWindow(sensorWindowSpec(w, ['mean', 'std', 'delta']), readings)),
    // Deviation from the mote's own long-run level: the one feature set that transfers between episodes.
    studySensorWindow(sensorWindowSpec(300, ['zscore']), readings),
  ];
  console.info(formatSensorStudy([baseline, ...windowed]));
}, 60_000);

const folds = (result: SensorStudyResult, scheme: SensorStudyScheme): SensorStudyFold[] =>
  result.folds.filter((f) => f.scheme === scheme);
const f1 = (result: SensorStudyResult, scheme: SensorStudyScheme): number[] =>
  folds(result, scheme).map((f) => f.test.f1);

describe('windowed sensor features study', () => {
  it('when the data is examined, then it holds two anomaly episodes, one per mote, at the same time', () => {
    expect(anomalousMotes(readings)).toEqual([1, 4]);
    const span = (mote: number): number[] => {
      const n = readings.filter((r) => r.moteId === mote && r.label === 1).map((r) => r.reading);
      return [Math.min(...n), Math.max(...n), n.length];
    };
    expect(span(1)).toEqual([2344, 2460, 117]);
    expect(span(4)).toEqual([2362, 2393, 32]);
  });

  it('when the per-reading features go through the study, then the stratified fold reproduces the baseline model', () => {
    const [stratified] = folds(baseline, 'stratified');
    expect(stratified!.test).toEqual(trainSensorAnomalyBaseline().metrics.test);
  });

  it('when scored on the baseline stratified split, then a 5-reading window reaches F1 ≥ 0.90 and beats the per-reading baseline', () => {
    const [w5] = windowed;
    // The report's target, and today's figure rounded down; the study is deterministic.
    expect(f1(w5!, 'stratified')[0]).toBeGreaterThanOrEqual(0.9); // measured 0.907
    expect(f1(w5!, 'stratified')[0]).toBeGreaterThan(f1(baseline, 'stratified')[0]!); // baseline measured 0.746
  });

  it('when the tested episode was never seen in training, then the 5-reading window that wins the stratified split loses F1 on it', () => {
    // The short windows that win the stratified split lose most on an unseen episode.
    const [w5] = windowed;
    expect(Math.max(...f1(w5!, 'leave-mote-out'))).toBeLessThan(f1(w5!, 'stratified')[0]! - 0.15); // measured 0.722 vs 0.907
  });

  it('when a window is 300 readings of z-score, then it transfers best across episodes and flags mote 1 with precision ≥ 0.99', () => {
    const z = windowed.at(-1)!;
    const [mote1, mote4] = folds(z, 'leave-mote-out');
    for (const other of [baseline, ...windowed.slice(0, -1)]) {
      const otherMean = f1(other, 'leave-mote-out').reduce((a, b) => a + b, 0) / 2;
      expect((mote1!.test.f1 + mote4!.test.f1) / 2).toBeGreaterThan(otherMean);
    }
    expect(mote1!.test.precision).toBeGreaterThanOrEqual(0.99); // measured 1.000
    expect(mote1!.test.recall).toBeGreaterThan(0.59); // measured 0.607
  });

  it('when the end of mote 1’s label is looked at, then it falls inside a smooth decay: the readings cannot show it', () => {
    const mote1 = readings.filter((r) => r.moteId === 1).sort((a, b) => a.reading - b.reading);
    const last = mote1.findLastIndex((r) => r.label === 1);
    const steps = mote1
      .slice(last - 20, last + 1)
      .map((r, i, tail) => (i === 0 ? 0 : Math.abs(r.humidity - tail[i - 1]!.humidity)));
    const medianStep = steps.slice(1).sort((a, b) => a - b)[10]!;
    const boundaryStep = Math.abs(mote1[last + 1]!.humidity - mote1[last]!.humidity);
    expect(boundaryStep).toBeLessThan(medianStep);
  });

  it('when split in time, then later normal readings look like the earlier anomalies and every feature set scores far below its stratified F1', () => {
    const cut = medianAnomalyReading(readings);
    const earlyMax = Math.max(...readings.filter((r) => r.label === 0 && r.reading < cut).map((r) => r.humidity));
    const lateAbove = readings.filter((r) => r.label === 0 && r.reading >= cut && r.humidity > earlyMax);
    // Drift: after the cut, motes 3 and 4 reach humidities that no normal reading before it had.
    expect(lateAbove.length).toBeGreaterThan(1000);
    expect(new Set(lateAbove.map((r) => r.moteId))).toEqual(new Set([3, 4]));
    // Measured 0.06–0.09 in time against 0.75–0.91 stratified.
    for (const result of [baseline, ...windowed])
      expect(f1(result, 'time')[0]).toBeLessThan(f1(result, 'stratified')[0]! / 2);
  });
});
