import { describe, expect, it } from 'vitest';
import { addEntry, percentile, sloReport, type SloEntry } from './slo.ts';

describe('percentile', () => {
  it('when asked for a rank, then it answers the nearest-rank value, and null with no values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([0.5, 0.95, 0.99, 1].map((q) => percentile(values, q))).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('addEntry', () => {
  it('when an entry is new, then it is added in time order and the oldest beyond `keep` drop out', () => {
    expect(
      addEntry(
        [
          ['a', 1, 'ok', 10],
          ['b', 1, 'ok', 30],
        ],
        ['c', 1, 'ok', 20],
        2,
      ),
    ).toEqual([
      ['c', 1, 'ok', 20],
      ['b', 1, 'ok', 30],
    ]);
  });

  it('when its key is already there (a redelivery), then nothing is to be written', () => {
    expect(addEntry([['a', 1, 'ok', 10]], ['a', 1, 'ok', 10], 5)).toBeUndefined();
  });
});

describe('sloReport', () => {
  const objectives = { latency_p99_ms: 50, error_rate: 0.1 };

  it('when some requests failed, then latency is over the answered ones and the error rate over all, each judged against its objective', () => {
    const entries: SloEntry[] = [
      ['a', 10, 'ok', 1],
      ['b', 20, 'fallback', 2],
      ['c', 900, 'error', 3],
      ['d', 40, 'ok', 4],
    ];
    const r = sloReport({ model: 'm', entries, size: 10, objectives });
    expect(r.latency_ms).toEqual({ p50: 20, p95: 40, p99: 40 });
    expect(r.error_rate).toBe(0.25);
    expect(r.fallback_rate).toBe(0.25);
    expect(r.met).toEqual({ latency_p99: true, error_rate: false, all: false });
    expect(r.window).toEqual({ size: 10, requests: 4, from: new Date(1).toISOString(), to: new Date(4).toISOString() });
  });

  it('when the log holds more than the window, then only the latest requests count', () => {
    const entries: SloEntry[] = [
      ['old', 5000, 'error', 1],
      ['a', 10, 'ok', 2],
      ['b', 12, 'ok', 3],
    ];
    const r = sloReport({ model: 'm', entries, size: 2, objectives });
    expect(r).toMatchObject({ window: { requests: 2 }, error_rate: 0, latency_ms: { p99: 12 }, met: { all: true } });
  });

  it('when every request failed, then latency is null (not judged) and the error objective is missed', () => {
    const r = sloReport({ model: 'm', entries: [['a', 3, 'error', 1]], size: 5, objectives });
    expect(r.latency_ms).toEqual({ p50: null, p95: null, p99: null });
    expect(r.met).toEqual({ latency_p99: null, error_rate: false, all: false });
  });
});
