import { readFileSync } from 'node:fs';
import { loadSensorReadings } from '@meridian/ml';
import type { Platform } from '@meridian/platform';

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

/** CPU seconds (user + system) of a process so far, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds so far of this process and of every app and sidecar of the platform. */
export function cpuByProcess(platform: Platform): Record<string, number> {
  const usage = process.cpuUsage();
  const out: Record<string, number> = { bench: (usage.user + usage.system) / 1e6 };
  for (const [id, app] of Object.entries(platform.apps)) {
    out[id] = cpuSeconds(app.app.pid);
    out[`${id}-daprd`] = cpuSeconds(app.sidecar.pid);
  }
  return out;
}

/** CPU seconds spent between two readings, per process, those that spent any. */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, Math.round((v - (before[k] ?? 0)) * 10) / 10] as const)
      .filter(([, v]) => v > 0),
  );
}
