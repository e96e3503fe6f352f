import { describe, expect, it } from 'vitest';
import type { IngestedRecord } from '@meridian/contracts';
import { MAX_READINGS_PER_CALL, moteReadingOf, readingsToMotes } from './agent-subscriptions.ts';

const event = (record: Record<string, unknown>): IngestedRecord => ({ key: 'k1', record });

describe('moteReadingOf', () => {
  it('when a record is a sensor reading, then it becomes the mote reading keyed by the ingestion key, with its label', () => {
    expect(
      moteReadingOf(event({ mote_id: 7, humidity: 45.1, temperature: 28, ts: '2026-11-29T09:59:00Z', label: 1 })),
    ).toEqual({
      mote: '7',
      reading: { key: 'k1', ts: Date.parse('2026-11-29T09:59:00Z'), humidity: 45.1, temperature: 28, label: 1 },
    });
  });

  it('when a record is not a sensor reading, then there is none (the delivery drops it)', () => {
    expect(moteReadingOf(event({ mote_id: 7, humidity: 'wet', temperature: 28, ts: 1 }))).toBeUndefined();
    expect(moteReadingOf(event({ humidity: 45, temperature: 28, ts: 1 }))).toBeUndefined();
    expect(moteReadingOf(event({ mote_id: 7, humidity: 45, temperature: 28, ts: 'yesterday' }))).toBeUndefined();
  });

  it('when a label is not 0 or 1, then the reading has no label', () => {
    expect(moteReadingOf(event({ mote_id: 1, humidity: 45, temperature: 28, ts: 5, label: 'yes' }))?.reading).toEqual({
      key: 'k1',
      ts: 5,
      humidity: 45,
      temperature: 28,
    });
  });
});

describe('readingsToMotes', () => {
  const reading = (mote: number, ts: number) => ({
    key: `k-${mote}-${ts}`,
    record: { mote_id: mote, humidity: 40 + (ts % 2), temperature: 20, ts } as Record<string, unknown>,
  });
  const delivery = (...events: IngestedRecord[][]) =>
    events.map((records, i) => ({
      entryId: `e${i}`,
      id: `ce-${i}`,
      data: { stream: 'sensor-readings', received_at: '2026-11-29T10:00:00.000Z', records },
    }));

  function setup(o: { failing?: string } = {}) {
    const calls: { id: string; keys: string[]; global: (boolean | undefined)[] }[] = [];
    const verdictCalls: number[] = [];
    const sub = readingsToMotes({
      pubsub: 'pubsub',
      bulk: { maxMessagesCount: 10, maxAwaitDurationMs: 10 },
      global: {
        // Readings at odd times are anomalous to the global model, so a verdict reaching the wrong reading shows.
        verdicts: async (rows) => {
          verdictCalls.push(rows.length);
          return rows.map((r) => r.humidity > 40);
        },
      },
      actors: {
        invoke: async <T>(call: { id: string; body?: unknown }) => {
          const readings = (call.body as { readings: { reading: { key: string }; global?: boolean }[] }).readings;
          calls.push({ id: call.id, keys: readings.map((r) => r.reading.key), global: readings.map((r) => r.global) });
          if (call.id === o.failing) throw new Error('actor down');
          return undefined as T;
        },
      },
    });
    return {
      handle: sub.handleBatch as (items: ReturnType<typeof delivery>) => Promise<Map<string, string>>,
      calls,
      verdictCalls,
    };
  }

  it("when events carry readings of several motes, then each mote's agent gets its readings in order with their own global verdicts", async () => {
    const { handle, calls } = setup();
    const answers = await handle(delivery([reading(1, 1), reading(2, 2), reading(1, 3)], [reading(2, 4)]));
    expect(Object.fromEntries(answers)).toEqual({ e0: 'SUCCESS', e1: 'SUCCESS' });
    expect(calls).toEqual([
      { id: '1', keys: ['k-1-1', 'k-1-3'], global: [true, true] },
      { id: '2', keys: ['k-2-2', 'k-2-4'], global: [false, false] },
    ]);
  });

  it("when one mote's agent fails, then every event with a reading of it is retried and the others are not", async () => {
    // Mote 1's agent answers first: its failure must stand when mote 2's success comes for the same event.
    const { handle } = setup({ failing: '1' });
    const answers = await handle(delivery([reading(1, 1), reading(2, 2)], [reading(1, 3)], [reading(2, 4)]));
    expect(Object.fromEntries(answers)).toEqual({ e0: 'RETRY', e1: 'RETRY', e2: 'SUCCESS' });
  });

  it('when an event carries no sensor reading it is dropped, and one with some is taken for those', async () => {
    const { handle, calls } = setup();
    const answers = await handle(
      delivery([{ key: 'x', record: { mote_id: 1 } }], [reading(1, 1), { key: 'y', record: {} }]),
    );
    expect(Object.fromEntries(answers)).toEqual({ e0: 'DROP', e1: 'SUCCESS' });
    expect(calls.map((c) => c.keys)).toEqual([['k-1-1']]);
  });

  it('when a delivery carries more readings than one call takes, then the model and each agent get them in calls of at most the bound, in order', async () => {
    const { handle, calls, verdictCalls } = setup();
    const readings = Array.from({ length: MAX_READINGS_PER_CALL + 300 }, (_, i) => reading(5, i));
    const answers = await handle(delivery(readings.slice(0, 500), readings.slice(500, 1000), readings.slice(1000)));
    expect(new Set(answers.values())).toEqual(new Set(['SUCCESS']));
    expect(verdictCalls).toEqual([MAX_READINGS_PER_CALL, 300]);
    expect(calls.map((c) => c.keys.length)).toEqual([MAX_READINGS_PER_CALL, 300]);
    expect(calls.flatMap((c) => c.keys)).toEqual(readings.map((r) => r.key));
    expect(calls.flatMap((c) => c.global)).toEqual(readings.map((r) => (r.record.ts as number) % 2 === 1));
  });
});
