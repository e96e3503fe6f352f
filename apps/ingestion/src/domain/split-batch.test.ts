import { describe, expect, it } from 'vitest';
import { AppError } from '@meridian/service-kit';
import { splitBatch } from './split-batch.ts';
import { STREAMS } from './streams.ts';

const spec = STREAMS['sensor-readings']!;
const good = { mote_id: 1, humidity: 45.9, temperature: 27.9, ts: '2024-03-01T10:00:00Z' };
const split = (body: unknown, nonObjects: 'refuse-batch' | 'reject-record' = 'refuse-batch') =>
  splitBatch({ spec, body, nonObjects, maxRecords: 100 });

describe('splitBatch', () => {
  it('when a batch mixes good and bad readings, then each bad one is invalid with its index and the failing field', () => {
    const entries = split([
      good,
      { ...good, humidity: 140 },
      { ...good, ts: 1709287200000 },
      { mote_id: -1, humidity: 'wet', temperature: 20 },
    ]);
    expect(entries.map((e) => [e.index, e.kind])).toEqual([
      [0, 'valid'],
      [1, 'invalid'],
      [2, 'valid'],
      [3, 'invalid'],
    ]);
    const bad = entries.filter((e) => e.kind === 'invalid');
    expect(bad[0]!.errors.map((e) => e.path)).toEqual(['humidity']);
    expect(bad[1]!.errors.map((e) => e.path).sort()).toEqual(['humidity', 'mote_id', 'ts']);
    expect(bad[1]!.reason).toContain('humidity: ');
  });

  it('when a timestamp is not ISO with an offset nor epoch milliseconds, then the reading is invalid on ts', () => {
    const [entry] = split([{ ...good, ts: 'yesterday' }]);
    expect(entry).toMatchObject({ kind: 'invalid', errors: [{ path: 'ts' }] });
  });

  it('when the body is not an array, then 400 naming the body', () => {
    const err = (() => {
      try {
        split({ records: [good] });
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(400);
    expect(err.errors).toEqual([{ path: '(body)', message: 'expected array, received object' }]);
  });

  it('when an element is not an object, then 400 naming its index, over HTTP; from a binding it is just an invalid record', () => {
    const err = (() => {
      try {
        split([good, 'nope', null]);
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(err.status).toBe(400);
    expect(err.errors!.map((e) => e.path)).toEqual(['1', '2']);
    expect(err.message).toContain('record 1 must be an object, received string');
    expect(split([good, 'nope'], 'reject-record').map((e) => e.kind)).toEqual(['valid', 'invalid']);
  });

  it('when a record repeats within the batch (same id, or same content in another key order), then the repeat is marked', () => {
    const entries = split([
      good,
      { ts: good.ts, temperature: 27.9, humidity: 45.9, mote_id: 1 },
      { ...good, id: 'r1' },
      { ...good, id: 'r1', humidity: 1 },
    ]);
    expect(entries.map((e) => e.kind)).toEqual(['valid', 'repeat', 'valid', 'repeat']);
  });

  it('when a batch is larger than allowed, then 413', () => {
    expect(() => splitBatch({ spec, body: [good, good], nonObjects: 'refuse-batch', maxRecords: 1 })).toThrow(
      /at most 1 records/,
    );
  });
});
