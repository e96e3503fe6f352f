import { describe, expect, it } from 'vitest';
import type { PredictionEvent } from '@meridian/contracts';
import { createLogger } from '@meridian/service-kit';
import { MemoryStateStore } from '../testing/fakes.ts';
import { PipelineLedger, addRows, summarise } from './pipeline-ledger.ts';

describe('pipeline ledger: stream rows counted once per row key', () => {
  it('when rows arrive out of order and again, then each counts once and repeats are told apart', () => {
    let ledger = addRows(undefined, '7', [
      { epoch: '1', seq: 2, lagMs: 10 },
      { epoch: '1', seq: 1, lagMs: 20 },
    ]);
    ledger = addRows(ledger, '7', [
      { epoch: '1', seq: 2, lagMs: 10 },
      { epoch: '1', seq: 4, lagMs: 30 },
      { epoch: '2', seq: 1, lagMs: 5 },
    ]);
    expect(ledger.rows).toBe(4);
    expect(ledger.repeats).toBe(1);
    expect(ledger.partitions).toEqual({ 1: { upto: 2, above: [4] }, 2: { upto: 1, above: [] } });
    ledger = addRows(ledger, '7', [{ epoch: '1', seq: 3, lagMs: 1 }]);
    expect(ledger.partitions['1']).toEqual({ upto: 4, above: [] });
  });

  it('when a gap stays open while thousands of later rows arrive in any order, then each counts once and the gap closes them all', () => {
    const later = Array.from({ length: 5000 }, (_, i) => i + 2).sort(
      (a, b) => ((a * 7919) % 5003) - ((b * 7919) % 5003),
    );
    let ledger = addRows(
      undefined,
      '7',
      later.map((seq) => ({ epoch: '1', seq, lagMs: 1 })),
    );
    ledger = addRows(
      ledger,
      '7',
      [3, 4000, 5001].map((seq) => ({ epoch: '1', seq, lagMs: 1 })),
    );
    expect(ledger.partitions['1']).toMatchObject({ upto: 0 });
    expect(ledger.partitions['1']!.above).toEqual(Array.from({ length: 5000 }, (_, i) => i + 2));
    expect(ledger.repeats).toBe(3);
    ledger = addRows(ledger, '7', [{ epoch: '1', seq: 1, lagMs: 1 }]);
    expect(ledger.partitions['1']).toEqual({ upto: 5001, above: [] });
    expect(ledger.rows).toBe(5001);
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

describe('PipelineLedger', () => {
  createLogger({ name: 'test', level: 'silent' });
  const event = (id: string, keys: string[]): PredictionEvent => ({
    id,
    model: 'm',
    version: '1',
    input_hash: id,
    rows: keys.length,
    inputs: { x: keys.map(() => 1) },
    outputs: { p: keys.map(() => 0.1) },
    latency_ms: 1,
    ts: new Date(0).toISOString(),
    records: { keys, received_at: keys.map(() => 0) },
  });

  it("when an entity's ledger stays contended, then the events with its rows are answered for a retry, and retried they count once", async () => {
    const state = new MemoryStateStore();
    const ledger = new PipelineLedger({ state, store: 'statestore', clock: () => 10 });
    const save = state.saveManyIfUnchanged.bind(state);
    state.saveManyIfUnchanged = async (o) =>
      new Set([
        ...o.items.filter((i) => i.key === 'pipeline:7').map((i) => i.key),
        ...(await save({ ...o, items: o.items.filter((i) => i.key !== 'pipeline:7') })),
      ]);
    const events = [event('a', ['3@1#1']), event('b', ['7@1#1', '3@1#2'])];
    expect(await ledger.record(events)).toEqual(new Set(['b']));
    state.saveManyIfUnchanged = save;
    expect(await ledger.record([events[1]!])).toEqual(new Set());
    expect(await ledger.report()).toMatchObject({ entities: 2, rows: 3, repeats: 1, lag_ms: { max: 10 } });
  }, 30_000);
});
