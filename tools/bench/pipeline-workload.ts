import { loadSensorReadings } from '@meridian/ml';

export type SensorRecord = { id: string } & Record<string, unknown>;

/**
 * The readings, fleet by fleet, until there are `records`: fleet f's mote m is
 * entity runBase + 10 f + m; its readings keep their real order and values.
 * One in `invalidEvery` gets an impossible humidity (it must be dead-lettered).
 * Returns the motes with at least one valid reading.
 */
export function workload(o: { runBase: number; records: number; invalidEvery: number }): {
  records: SensorRecord[];
  motes: number[];
} {
  const data = loadSensorReadings().sort((a, b) => a.reading - b.reading || a.moteId - b.moteId);
  const records: SensorRecord[] = [];
  const motes = new Set<number>();
  for (let fleet = 0; records.length < o.records; fleet++) {
    for (const r of data) {
      if (records.length >= o.records) break;
      const mote = o.runBase + fleet * 10 + r.moteId;
      const i = records.length;
      const invalid = o.invalidEvery > 0 && i % o.invalidEvery === o.invalidEvery - 1;
      records.push({
        id: `${mote}-${r.reading}`,
        mote_id: mote,
        humidity: invalid ? 140 : r.humidity,
        temperature: r.temperature,
        ts: 1_700_000_000_000 + r.reading * 30_000,
        label: r.label,
      });
      if (!invalid) motes.add(mote);
    }
  }
  return { records, motes: [...motes] };
}
