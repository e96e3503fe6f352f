import { describe, expect, it } from 'vitest';
import type { SensorReading } from './sensor-data.ts';
import {
  SENSOR_WINDOW_ZSCORE_STD_FLOOR,
  assertSensorWindowSpec,
  sensorWindowSpec,
  windowFeatureNames,
  windowFeatures,
  windowedRows,
} from './sensor-windows.ts';

const reading = (moteId: number, n: number, humidity: number, temperature: number): SensorReading => ({
  moteId,
  reading: n,
  humidity,
  temperature,
  label: 0,
});

describe('sensor window spec', () => {
  it('when built, then it is a versioned, JSON-round-trippable description with names in feature order', () => {
    const spec = sensorWindowSpec(3, ['mean', 'delta']);
    expect(JSON.parse(JSON.stringify(spec))).toEqual({
      kind: 'sensor-window',
      version: 1,
      window: 3,
      features: ['mean', 'delta'],
    });
    expect(windowFeatureNames(spec)).toEqual([
      'humidity',
      'temperature',
      'humidity_mean_w3',
      'temperature_mean_w3',
      'humidity_delta_w3',
      'temperature_delta_w3',
    ]);
  });

  it('when a stored spec is malformed, then it is refused with the reason', () => {
    expect(() => sensorWindowSpec(0)).toThrow(/positive integer/);
    expect(() => sensorWindowSpec(2.5)).toThrow(/positive integer/);
    expect(() => assertSensorWindowSpec({ kind: 'sensor-window', version: 2, window: 3, features: [] })).toThrow(
      /version 1/,
    );
    expect(() =>
      assertSensorWindowSpec({ kind: 'sensor-window', version: 1, window: 3, features: ['median'] }),
    ).toThrow(/median/);
    expect(() => sensorWindowSpec(3, ['std', 'std'])).toThrow(/twice/);
  });
});

describe('windowFeatures', () => {
  const spec = sensorWindowSpec(2, ['mean', 'std', 'delta', 'min', 'max', 'zscore']);

  it('when the history is longer than the window, then only the last readings count', () => {
    const history = [
      { humidity: 100, temperature: 100 },
      { humidity: 40, temperature: 20 },
      { humidity: 44, temperature: 22 },
    ];
    const [h, t, hMean, tMean, hStd, tStd, hDelta, tDelta, hMin, tMin, hMax, tMax, hZ, tZ] = windowFeatures(
      spec,
      history,
      {
        humidity: 50,
        temperature: 21,
      },
    );
    expect([h, t]).toEqual([50, 21]);
    expect([hMean, tMean]).toEqual([42, 21]);
    expect([hStd, tStd]).toEqual([2, 1]);
    expect([hDelta, tDelta]).toEqual([6, -1]);
    expect([hMin, tMin, hMax, tMax]).toEqual([40, 20, 44, 22]);
    expect([hZ, tZ]).toEqual([4, 0]);
  });

  it('when the mote has no past, then the reading is treated as steady', () => {
    expect(windowFeatures(spec, [], { humidity: 50, temperature: 21 })).toEqual([
      50, 21, 50, 21, 0, 0, 0, 0, 50, 21, 50, 21, 0, 0,
    ]);
  });

  it('when the window is flat, then the z-score divides by the resolution floor instead of by zero', () => {
    const flat = [
      { humidity: 40, temperature: 20 },
      { humidity: 40, temperature: 20 },
    ];
    const features = windowFeatures(sensorWindowSpec(2, ['zscore']), flat, { humidity: 40.5, temperature: 20 });
    expect(features[2]).toBeCloseTo(0.5 / SENSOR_WINDOW_ZSCORE_STD_FLOOR, 9);
    expect(features[3]).toBe(0);
  });
});

describe('windowedRows', () => {
  const spec = sensorWindowSpec(2, ['mean', 'delta']);

  it('when motes are interleaved and out of order, then each row sees only earlier readings of its own mote, in input order', () => {
    const readings = [
      reading(1, 3, 30, 3),
      reading(2, 1, 900, 90),
      reading(1, 1, 10, 1),
      reading(1, 2, 20, 2),
      reading(2, 2, 800, 80),
    ];
    const rows = windowedRows(spec, readings);
    expect(rows.map((r) => r.reading)).toEqual(readings);
    expect(rows.map((r) => r.features)).toEqual([
      [30, 3, 15, 1.5, 10, 1], // mote 1 #3: past #1, #2
      [900, 90, 900, 90, 0, 0], // mote 2 #1: no past
      [10, 1, 10, 1, 0, 0], // mote 1 #1: no past
      [20, 2, 10, 1, 10, 1], // mote 1 #2: past #1
      [800, 80, 900, 90, -100, -10], // mote 2 #2: past #1
    ]);
  });

  it('when a later reading changes, then no earlier row changes (no leakage from the future)', () => {
    const series = Array.from({ length: 30 }, (_, i) => reading(7, i + 1, 40 + Math.sin(i), 20 + Math.cos(i)));
    const before = windowedRows(sensorWindowSpec(5), series);
    const altered = series.map((r) => (r.reading === 20 ? { ...r, humidity: 99, temperature: 60 } : r));
    const after = windowedRows(sensorWindowSpec(5), altered);
    expect(after.slice(0, 19).map((r) => r.features)).toEqual(before.slice(0, 19).map((r) => r.features));
    // The change must be visible from the altered reading on, or the check above proves nothing.
    expect(after[19]!.features).not.toEqual(before[19]!.features);
    expect(after[20]!.features).not.toEqual(before[20]!.features);
  });

  it('when a mote repeats a reading number, then the order is ambiguous and it refuses', () => {
    expect(() => windowedRows(spec, [reading(1, 1, 10, 1), reading(1, 1, 11, 1)])).toThrow(
      /mote 1 has reading 1 twice/,
    );
  });
});
