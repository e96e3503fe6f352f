import { describe, expect, it } from 'vitest';
import { addRows, summarise } from './pipeline-ledger.ts';

describe('pipeline ledger: stream rows counted once per row key', () => {
  it('when rows arrive out of order and again, then each counts once and repeats are told apart', () => {
    let ledger = addRows(undefined, '7', [{ epoch: '1', seq: 2, lagMs: 10 }, { epoch: '1', seq: 1, lagMs: 20 }]);
    ledger = addRows(ledger, '7', [{ epoch: '1', seq: 2, lagMs: 10 }, { epoch: '1', seq: 4, lagMs: 30 }, { epoch: '2', seq: 1, lagMs: 5 }]);
    expect(ledger.rows).toBe(4);
    expect(ledger.repeats).toBe(1);
    expect(ledger.partitions).toEqual({ 1: { upto: 2, above: [4] }, 2: { upto: 1, above: [] } });
    ledger = addRows(ledger, '7', [{ epoch: '1', seq: 3, lagMs: 1 }]);
    expect(ledger.partitions['1']).toEqual({ upto: 4, above: [] });
  });

  it('when lags are summarised, then the quantiles come from the histogram within its 10 % resolution', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ epoch: '1', seq: i + 1, lagMs: i + 1 }));
    const report = summarise([addRows(undefined, 'a', rows)]);
    expect(report.rows).toBe(100);
    expect(report.lag_ms.p50).toBeGreaterThanOrEqual(50);
    expect(report.lag_ms.p50).toBeLessThanOrEqual(55);
    expect(report.lag_ms.p99).toBeGreaterThanOrEqual(99);
    expect(report.lag_ms.max).toBe(100);
    expect(summarise([]).lag_ms.p50).toBeNull();
  });
});
