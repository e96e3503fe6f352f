import { describe, expect, it } from 'vitest';
import { sensorWindowSpec, warmUpRow, windowFeatures } from '@meridian/ml';
import { applyReadings, hasDigest, keyDigest, onlineVector, rowKey, type Reading } from './mote-state.ts';

const spec = sensorWindowSpec(3, ['mean', 'std', 'delta']);
const now = new Date('2026-11-25T12:00:00Z');
const reading = (i: number, t = 20 + i): Reading => ({
  key: `k${i}`,
  ts: 1000 * i,
  humidity: 40 + i,
  temperature: t,
  received_at: 5000 + i,
});
const apply = (
  state: Parameters<typeof applyReadings>[0]['state'],
  readings: Reading[],
  confirmed: Set<string> = new Set(),
) => applyReadings({ entity: '7', state, readings, spec, historySize: 4, keysSize: 5, confirmed, now });

describe('entity state: readings applied once, features from packages/ml', () => {
  it('when readings arrive, then each is scored against the readings before it, exactly as training computes it', () => {
    const readings = [1, 2, 3, 4, 5].map((i) => reading(i));
    const { state, fresh, duplicates } = apply(undefined, readings);
    expect(duplicates).toBe(0);
    expect(fresh.map((f) => f.row_key)).toEqual([1, 2, 3, 4, 5].map((s) => rowKey('7', now.getTime(), s)));
    readings.forEach((r, i) =>
      expect(fresh[i]!.values).toEqual(windowFeatures(spec, readings.slice(Math.max(0, i - 3), i), r)),
    );
    expect(state.seq).toBe(5);
    expect(state.history).toEqual(
      readings.slice(1).map(({ ts, humidity, temperature }) => ({ ts, humidity, temperature })),
    );
    expect(state.pending).toHaveLength(5);
  });

  it('when a reading is delivered again, then it changes nothing and is counted as a duplicate', () => {
    const first = apply(undefined, [reading(1), reading(2)]);
    const again = apply(first.state, [reading(2), reading(3)]);
    expect(again.duplicates).toBe(1);
    expect(again.fresh.map((f) => f.record_key)).toEqual(['k3']);
    expect(again.state.seq).toBe(3);
    // Twice in one delivery, and an old reading delivered again after newer ones.
    const twice = apply(again.state, [reading(4), reading(4), reading(1)]);
    expect(twice.duplicates).toBe(2);
    expect(twice.fresh.map((f) => f.record_key)).toEqual(['k4']);
    // Another reading at the same time as the newest is not a duplicate.
    const sameTime = apply(twice.state, [{ ...reading(4), key: 'k4b' }]);
    expect(sameTime.fresh.map((f) => f.record_key)).toEqual(['k4b']);
  });

  it('when readings are applied, then the state keeps an 11-character digest of each key, packed in one string', () => {
    const whole = (i: number) => ({ ...reading(i), key: `sha256:${'ab'.repeat(32)}${i}` });
    const first = apply(undefined, [whole(1), whole(2)]);
    expect(first.state.digests).toBe(keyDigest(whole(1).key) + keyDigest(whole(2).key));
    expect(first.state.digests).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set([1, 2, 3].map((i) => keyDigest(whole(i).key))).size).toBe(3);
    // Only the latest keysSize (5) are kept: the oldest is forgotten, and would be applied again.
    const later = apply(
      first.state,
      [3, 4, 5, 6].map((i) => whole(i)),
    );
    expect(later.state.digests).toBe([2, 3, 4, 5, 6].map((i) => keyDigest(whole(i).key)).join(''));
    expect(apply(later.state, [whole(1), whole(6)]).duplicates).toBe(1);
  });

  it('when a digest appears in the packed string only across two digests, then it is not taken for a duplicate', () => {
    const packed = 'AAAAAAAAAAABBBBBBBBBBB';
    expect(hasDigest(packed, 'AAAAAAAAAAA')).toBe(true);
    expect(hasDigest(packed, 'BBBBBBBBBBB')).toBe(true);
    expect(hasDigest(packed, 'AAAAAAABBBB')).toBe(false);
    expect(hasDigest('', 'AAAAAAAAAAA')).toBe(false);
    // A digest that first appears unaligned and later aligned is found.
    expect(hasDigest('xAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAA')).toBe(true);
  });

  it('when a delivery asks about many readings at or before the newest, then the set built for them answers as the scans did', () => {
    const r = (i: number, key = `k${i}`) => ({ ...reading(i), key });
    const first = applyReadings({
      entity: '7',
      state: undefined,
      readings: Array.from({ length: 30 }, (_, i) => r(i + 1)),
      spec,
      historySize: 4,
      keysSize: 100,
      confirmed: new Set(),
      now,
    });
    const packed = first.state.digests;
    // Twenty redeliveries (past the scans, so the set answers), a late new reading, and a key that is itself
    // digest-shaped and spells the end of one stored digest and the start of the next.
    const across = packed.slice(5, 16);
    const late = [...Array.from({ length: 20 }, (_, i) => r(i + 1)), r(25, 'k-late-new'), r(26, across)];
    const again = applyReadings({
      entity: '7',
      state: first.state,
      readings: late.sort((a, b) => a.ts - b.ts),
      spec,
      historySize: 4,
      keysSize: 100,
      confirmed: new Set(),
      now,
    });
    expect(again.duplicates).toBe(20);
    expect(again.fresh.map((f) => f.record_key).sort()).toEqual([across, 'k-late-new'].sort());
  });

  it('when a state was stored by an earlier version, with an array of whole keys or digests, then it still recognises them and is written back packed', () => {
    const whole = (i: number) => ({ ...reading(i), key: `sha256:${'ab'.repeat(32)}${i}` });
    const { digests: _packed, ...first } = apply(undefined, [whole(1), whole(2)]).state;
    for (const keys of [
      [whole(1).key, whole(2).key],
      [keyDigest(whole(1).key), keyDigest(whole(2).key)],
    ]) {
      const earlier = { ...first, keys } as Parameters<typeof applyReadings>[0]['state'];
      const again = apply(earlier, [whole(2), whole(3)]);
      expect(again.duplicates).toBe(1);
      expect(again.fresh.map((f) => f.record_key)).toEqual([whole(3).key]);
      expect(again.state.digests).toBe([1, 2, 3].map((i) => keyDigest(whole(i).key)).join(''));
      expect(again.state).not.toHaveProperty('keys');
    }
  });

  it('when a reading arrives late, then it is compared with the readings before it in time and kept in time order', () => {
    const [r1, r2, r3, r4] = [1, 2, 3, 4].map((i) => reading(i));
    const { state } = apply(undefined, [r1!, r2!, r4!]);
    const late = apply(state, [r3!]);
    expect(late.fresh[0]!.values).toEqual(windowFeatures(spec, [r1!, r2!], r3!));
    expect(late.state.history.map((h) => h.ts)).toEqual([1000, 2000, 3000, 4000]);
  });

  it('when rows were confirmed scored, then they leave the pending list at the next write; unconfirmed ones stay for re-scoring', () => {
    const first = apply(undefined, [reading(1), reading(2)]);
    const next = apply(first.state, [reading(3)], new Set([first.fresh[0]!.row_key]));
    expect(next.state.pending.map((p) => p.record_key)).toEqual(['k2', 'k3']);
  });

  it('when the online vector is asked for, then it is the latest reading against its past, optionally limited in time', () => {
    const readings = [1, 2, 3, 4].map((i) => reading(i));
    const { state } = apply(undefined, readings);
    expect(onlineVector(state, spec)).toEqual({
      values: windowFeatures(spec, readings.slice(0, 3), readings[3]!),
      as_of: 4000,
    });
    // Within 1.5 s of the latest reading (at 4 s) only the reading at 3 s is past.
    expect(onlineVector(state, spec, 1.5)!.values).toEqual(windowFeatures(spec, [readings[2]!], readings[3]!));
  });

  it("when a new mote's first readings arrive, a little out of order, then exactly the rows with a short window carry a warm-up key (what the monitor leaves out of the window statistics)", () => {
    const r = [1, 2, 3, 4, 5, 6].map((i) => reading(i));
    const deliveries = [[r[1]!], [r[0]!], [r[2]!, r[4]!], [r[3]!, r[5]!]];
    const rows = [];
    let state: Parameters<typeof applyReadings>[0]['state'];
    for (const d of deliveries) {
      const applied = apply(state, d);
      state = applied.state;
      rows.push(...applied.fresh);
    }
    // What each row's window held: the readings before it in time that had arrived.
    const arrived: Reading[] = [];
    const past = deliveries.flat().map((x) => {
      const n = arrived.filter((a) => a.ts < x.ts).length;
      arrived.push(x);
      return n;
    });
    expect(rows.map((row) => warmUpRow(row.row_key, spec.window))).toEqual(past.map((n) => n < spec.window));
  });

  it("when a mote's first reading arrives after `window` later ones (the known limit), then its short window is not marked as warm-up", () => {
    const r = [1, 2, 3, 4, 5].map((i) => reading(i));
    const early = apply(undefined, r.slice(1));
    const late = apply(early.state, [r[0]!]);
    expect(late.fresh[0]!.values).toEqual(windowFeatures(spec, [], r[0]!));
    expect(warmUpRow(late.fresh[0]!.row_key, spec.window)).toBe(false);
  });
});
