import { describe, expect, it } from 'vitest';
import { datasetHash, loadSensorReadings } from './sensor-data.ts';

const rows = loadSensorReadings();

describe('loadSensorReadings', () => {
  it('when loaded, then it has the published row count, 149 anomalies and motes 1..4', () => {
    expect(rows).toHaveLength(18914);
    expect(rows.filter((r) => r.label === 1)).toHaveLength(149);
    expect([...new Set(rows.map((r) => r.moteId))].sort()).toEqual([1, 2, 3, 4]);
    expect(rows[0]).toEqual({ moteId: 1, humidity: 45.93, temperature: 27.97, label: 0, reading: 1 });
  });
});

describe('datasetHash', () => {
  it('when rows are reordered, then the hash is unchanged', () => {
    expect(datasetHash([...rows].reverse())).toBe(datasetHash(rows));
    expect(datasetHash(rows)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when the canonical form is unchanged, then the hash of the published data stays pinned', () => {
    // Model metadata records this value; if it moves, old models no longer match their data.
    expect(datasetHash(rows)).toBe('4887be7a52ab7c0980195cfae5f422c51a5b56448729c92c3b9bd14fae92c039');
  });

  it('when one value changes, then the hash changes', () => {
    const changed = rows.map((r, i) => (i === 100 ? { ...r, humidity: r.humidity + 0.01 } : r));
    expect(datasetHash(changed)).not.toBe(datasetHash(rows));
  });
});
