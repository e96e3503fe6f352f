import { SENSOR_ANOMALY_TRAINING_PARAMS, stratifiedSplit } from '@meridian/ml';
import type { SensorReading } from '@meridian/ml';

/**
 * Which readings train and which are held out.
 * - `global`: the sensor-anomaly model's own held-out split (stratified, 25 %, seed 42), so both
 *   models are scored on exactly the readings the model card reports.
 * - `time`: each mote's first `trainFraction` of readings in time train, the rest are held out.
 */
export type StudySplit = { kind: 'global' } | { kind: 'time'; trainFraction: number };

export function studyKey(r: Pick<SensorReading, 'moteId' | 'reading'>): string {
  return `${r.moteId}:${r.reading}`;
}

/** Keys of the held-out readings; every other reading trains. */
export function heldOutKeys(readings: readonly SensorReading[], split: StudySplit): Set<string> {
  if (split.kind === 'global') {
    const { seed, testFraction } = SENSOR_ANOMALY_TRAINING_PARAMS;
    return new Set(stratifiedSplit(readings, { seed, testFraction, label: (r) => r.label }).test.map(studyKey));
  }
  if (!(split.trainFraction > 0 && split.trainFraction < 1)) {
    throw new RangeError(`trainFraction must be in (0, 1), got ${split.trainFraction}`);
  }
  const keys = new Set<string>();
  for (const mote of byMoteInTime(readings)) {
    const cut = Math.round(mote.length * split.trainFraction);
    for (const r of mote.slice(cut)) keys.add(studyKey(r));
  }
  return keys;
}

/** Each mote's readings in time (reading number) order. */
export function byMoteInTime(readings: readonly SensorReading[]): SensorReading[][] {
  const motes = new Map<number, SensorReading[]>();
  for (const r of readings) {
    const mote = motes.get(r.moteId);
    if (mote) mote.push(r);
    else motes.set(r.moteId, [r]);
  }
  return [...motes.keys()].sort((a, b) => a - b).map((id) => motes.get(id)!.sort((a, b) => a.reading - b.reading));
}
