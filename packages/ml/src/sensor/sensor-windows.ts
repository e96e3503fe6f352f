import type { SensorReading } from './sensor-data.ts';

type SensorInputs = Pick<SensorReading, 'humidity' | 'temperature'>;

/** Statistics a window can contribute, each computed for humidity and for temperature. */
export const SENSOR_WINDOW_STATS = ['mean', 'std', 'delta', 'min', 'max', 'zscore'] as const;
export type SensorWindowStat = (typeof SENSOR_WINDOW_STATS)[number];

/** The raw readings: the first features of every window spec, and what the statistics are computed over. */
export const SENSOR_WINDOW_CHANNELS = ['humidity', 'temperature'] as const;
const CHANNELS = SENSOR_WINDOW_CHANNELS;

/**
 * zscore divides by the window's std, floored here: readings have two decimals, so a window
 * flatter than 0.01 is quantisation, and dividing by it would turn noise into huge scores.
 */
export const SENSOR_WINDOW_ZSCORE_STD_FLOOR = 0.01;

/**
 * A serialisable description of the transform, stored in the model card: a client (or a
 * feature service) rebuilds exactly the inputs the model was trained on from it. Bump
 * `version` when the meaning of a statistic changes, never silently.
 */
export interface SensorWindowSpec {
  kind: 'sensor-window';
  version: 1;
  /** How many of the mote's readings before the current one the statistics look at. */
  window: number;
  /** Statistics over the window; the current raw humidity and temperature always come first. */
  features: readonly SensorWindowStat[];
}

export function sensorWindowSpec(
  window: number,
  features: readonly SensorWindowStat[] = ['mean', 'std', 'delta'],
): SensorWindowSpec {
  const spec: SensorWindowSpec = { kind: 'sensor-window', version: 1, window, features: [...features] };
  assertSensorWindowSpec(spec);
  return spec;
}

/** Checks a spec read back from JSON, so a malformed card fails loudly instead of producing wrong inputs. */
export function assertSensorWindowSpec(spec: unknown): asserts spec is SensorWindowSpec {
  const s = spec as Partial<SensorWindowSpec> | null;
  if (s?.kind !== 'sensor-window' || s.version !== 1) {
    throw new Error(`sensor window spec: expected kind "sensor-window" version 1, got ${JSON.stringify(spec)}`);
  }
  if (!Number.isInteger(s.window) || s.window! < 1) {
    throw new Error(`sensor window spec: window must be a positive integer, got ${String(s.window)}`);
  }
  const features = s.features;
  if (!Array.isArray(features) || features.some((f) => !SENSOR_WINDOW_STATS.includes(f))) {
    throw new Error(
      `sensor window spec: features must be among ${SENSOR_WINDOW_STATS.join(', ')}, got ${JSON.stringify(features)}`,
    );
  }
  if (new Set(features).size !== features.length) throw new Error('sensor window spec: a statistic is listed twice');
}

/**
 * Names in windowFeatures order, e.g. humidity, temperature, humidity_mean_w10, temperature_mean_w10.
 * The window is part of the name so a client computing a different window fails on the
 * input names instead of feeding the model numbers it was not trained on.
 */
export function windowFeatureNames(spec: SensorWindowSpec): string[] {
  return [...CHANNELS, ...spec.features.flatMap((stat) => CHANNELS.map((c) => `${c}_${stat}_w${spec.window}`))];
}

/**
 * Features of `current` given earlier readings of the same mote, oldest first (only the last
 * `spec.window` are used). The window holds past readings only, so a statistic describes the
 * recent normal the current reading is compared with; `delta` is current − previous reading and
 * `zscore` is (current − mean) / max(std, SENSOR_WINDOW_ZSCORE_STD_FLOOR): the deviation in units
 * of the mote's own variability, which a linear model cannot form from the other statistics.
 * A mote's first reading has no past: it is treated as steady (mean = min = max = current,
 * std = delta = 0), which is what a freshly started mote's feature service can compute too.
 */
export function windowFeatures(
  spec: SensorWindowSpec,
  history: readonly SensorInputs[],
  current: SensorInputs,
): number[] {
  const past = history.slice(-spec.window);
  const features = [current.humidity, current.temperature];
  for (const stat of spec.features) {
    for (const channel of CHANNELS) {
      const values = past.length > 0 ? past.map((r) => r[channel]) : [current[channel]];
      features.push(statistic(stat, values, current[channel]));
    }
  }
  return features;
}

export interface WindowedRow {
  reading: SensorReading;
  features: number[];
  /** The window held `spec.window` earlier readings (false for a mote's first `spec.window` readings). */
  fullWindow: boolean;
}

/**
 * One row per reading, in the order given (so a split of `readings` and of the rows agree).
 * Each mote's readings are walked in `reading` order and a row sees only readings before it.
 */
export function windowedRows(spec: SensorWindowSpec, readings: readonly SensorReading[]): WindowedRow[] {
  const byMote = new Map<number, number[]>();
  readings.forEach((r, i) => {
    const indices = byMote.get(r.moteId) ?? [];
    indices.push(i);
    byMote.set(r.moteId, indices);
  });
  const features = new Array<number[]>(readings.length);
  const full = new Array<boolean>(readings.length);
  for (const [moteId, indices] of byMote) {
    indices.sort((a, b) => readings[a]!.reading - readings[b]!.reading);
    indices.forEach((index, k) => {
      const previous = indices[k - 1];
      // Two readings with one sequence number have no order: which one is "past" would be arbitrary.
      if (previous !== undefined && readings[previous]!.reading === readings[index]!.reading) {
        throw new Error(`windowedRows: mote ${moteId} has reading ${readings[index]!.reading} twice`);
      }
      const history = indices.slice(Math.max(0, k - spec.window), k).map((i) => readings[i]!);
      features[index] = windowFeatures(spec, history, readings[index]!);
      full[index] = k >= spec.window;
    });
  }
  return readings.map((reading, i) => ({ reading, features: features[i]!, fullWindow: full[i]! }));
}

function statistic(stat: SensorWindowStat, values: readonly number[], current: number): number {
  switch (stat) {
    case 'mean':
      return mean(values);
    case 'std':
      return std(values);
    case 'delta':
      return current - values[values.length - 1]!;
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'zscore':
      return (current - mean(values)) / Math.max(std(values), SENSOR_WINDOW_ZSCORE_STD_FLOOR);
  }
}

// Population std: a window of one reading has no spread, not an undefined one.
function std(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / values.length);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
