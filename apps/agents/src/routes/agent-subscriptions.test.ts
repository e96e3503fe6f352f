import { describe, expect, it } from 'vitest';
import { StreamTopicEvent, type IngestedRecord } from '@meridian/contracts';
import { chunksOf } from '@meridian/service-kit';
import { MOTE_AGENT_DEFAULTS } from '../domain/mote/index.ts';
import {
  MAX_READINGS_PER_MOTE_CALL,
  MAX_READINGS_PER_VERDICT_CALL,
  moteReadingOf,
  readingsToMotes,
} from './agent-subscriptions.ts';

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

  /** `failing`: that mote's agent fails, on its call number `failingCall` (the first is 1) or on every call. */
  function setup(o: { failing?: string; failingCall?: number } = {}) {
    const made = new Map<string, number>();
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
          made.set(call.id, (made.get(call.id) ?? 0) + 1);
          if (call.id === o.failing && (o.failingCall === undefined || made.get(call.id) === o.failingCall))
            throw new Error('actor down');
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

  it('when the subscription is listed, then it reads both event shapes of the topic and takes its entries in order', () => {
    const sub = readingsToMotes({
      pubsub: 'pubsub',
      bulk: { maxMessagesCount: 10, maxAwaitDurationMs: 10 },
      global: { verdicts: async () => [] },
      actors: { invoke: async () => undefined as never },
    });
    expect(sub.schema).toBe(StreamTopicEvent);
    expect(sub.ordered).toBe(true);
  });

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

  it('when a delivery carries more readings than one call takes, then the model gets them a bounded number at a time and each agent whole events per call, in order', async () => {
    const { handle, calls, verdictCalls } = setup();
    const five = Array.from({ length: 1300 }, (_, i) => reading(5, i));
    const six = Array.from({ length: 250 }, (_, i) => reading(6, i));
    const answers = await handle(
      delivery(five.slice(0, 500), five.slice(500, 1000), five.slice(1000), ...chunksOf(six, 50)),
    );
    expect(new Set(answers.values())).toEqual(new Set(['SUCCESS']));
    expect(verdictCalls).toEqual([MAX_READINGS_PER_VERDICT_CALL, 550]);
    // A call takes whole events up to half the keys an agent remembers: mote 5's events go one to a call, mote 6's all together.
    expect(MAX_READINGS_PER_MOTE_CALL).toBe(MOTE_AGENT_DEFAULTS.recentKeys / 2);
    expect(calls.map((c) => [c.id, c.keys.length])).toEqual([
      ['5', 500],
      ['6', 250],
      ['5', 500],
      ['5', 300],
    ]);
    expect(calls.filter((c) => c.id === '5').flatMap((c) => c.keys)).toEqual(five.map((r) => r.key));
    expect(calls.filter((c) => c.id === '5').flatMap((c) => c.global)).toEqual(
      five.map((r) => (r.record.ts as number) % 2 === 1),
    );
  });

  it("when a mote's later call fails, then the events of its calls that went through are taken and the rest are retried, unsent", async () => {
    const { handle, calls } = setup({ failing: '6', failingCall: 2 });
    const six = Array.from({ length: 1000 }, (_, i) => reading(6, i));
    // Events of 200: two to a call (400), so calls of e0+e1, e2+e3, e4.
    const answers = await handle(delivery(...chunksOf(six, 200)));
    expect(Object.fromEntries(answers)).toEqual({
      e0: 'SUCCESS',
      e1: 'SUCCESS',
      e2: 'RETRY',
      e3: 'RETRY',
      e4: 'RETRY',
    });
    // The third call (event e4) was never made: its readings come back with e2 and e3, in order.
    expect(calls.map((c) => c.keys.length)).toEqual([400, 400]);
  });
});
