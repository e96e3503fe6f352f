import { SENSOR_ANOMALY_TRAINING_PARAMS } from './sensor-anomaly.ts';
import { loadSensorReadings } from './sensor-data.ts';
import type { SensorReading } from './sensor-data.ts';
import { windowedRows } from './sensor-windows.ts';
import type { SensorWindowSpec } from './sensor-windows.ts';
import { stratifiedSplit } from '../split.ts';

export interface HeldOutWindow {
  /** A reading of the held-out split (seed 42, 25 %, stratified: the one every sensor model is scored on). */
  reading: SensorReading;
  /** The readings its window looks at: its mote's previous `spec.window`, oldest first. */
  past: SensorReading[];
}

/**
 * The windowed model's held-out rows as readings to replay through a stream: each held-out
 * reading whose window is full, with the readings before it. Sent in time order to a feature
 * service, they give that reading exactly the features it was evaluated on. Its past readings
 * may be in either split: a window looks at whatever the mote measured.
 */
export function heldOutWindows(spec: SensorWindowSpec): HeldOutWindow[] {
  const readings = loadSensorReadings();
  const { seed, testFraction } = SENSOR_ANOMALY_TRAINING_PARAMS;
  const { test } = stratifiedSplit(windowedRows(spec, readings), { seed, testFraction, label: (r) => r.reading.label });
  const byMote = new Map<number, SensorReading[]>();
  for (const r of readings) byMote.set(r.moteId, [...(byMote.get(r.moteId) ?? []), r]);
  const position = new Map<SensorReading, number>();
  for (const list of byMote.values()) list.sort((a, b) => a.reading - b.reading).forEach((r, i) => position.set(r, i));
  return test
    .filter((r) => r.fullWindow)
    .map(({ reading }) => {
      const at = position.get(reading)!;
      return { reading, past: byMote.get(reading.moteId)!.slice(at - spec.window, at) };
    });
}
