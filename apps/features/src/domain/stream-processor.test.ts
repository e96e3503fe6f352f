import { describe, expect, it } from 'vitest';
import type { IngestedRecordsEvent } from '@meridian/contracts';
import { sensorWindowSpec } from '@meridian/ml';
import { KeyedLock, chunksOf, createLogger } from '@meridian/service-kit';
import {
  MemoryFeatureLog,
  MemoryStateStore,
  RecordingScorer,
  contendedOn,
  memoryEntityStore,
  readingRecord,
  readingsEvent,
} from '../testing/fakes.ts';
import { MAX_ROWS_PER_SCORE, StreamProcessor } from './stream-processor.ts';
import { toReading } from './to-reading.ts';

createLogger({ name: 'test', level: 'silent' });

const record = readingRecord;
const pack = readingsEvent;
const event = (mote: number, i: number) => pack(record(mote, i));

function setup(o: { contended?: string; keysSize?: number } = {}) {
  const state = new MemoryStateStore();
  const store = memoryEntityStore(o.contended ? contendedOn(state, o.contended) : state);
  const scorer = new RecordingScorer();
  const offlineLog = new MemoryFeatureLog();
  const processor = new StreamProcessor({
    store,
    lock: new KeyedLock(),
    spec: sensorWindowSpec(3),
    historySize: 10,
    keysSize: o.keysSize ?? 2000,
    scorer,
    offlineLog,
    clock: () => new Date(0),
  });
  const deliver = (events: IngestedRecordsEvent[]) =>
    processor.process(events.map((e, i) => ({ entryId: `${i}`, event: e })));
  const stored = async (entity: string) => (await store.load([entity]))[0]!.state;
  return { state, scorer, offlineLog, processor, deliver, stored };
}

describe('stream processor: applied once, scored at least once under stable row keys', () => {
  it('when scoring fails after the readings were applied, then the redelivery applies nothing twice and scores the same rows again', async () => {
    const { scorer, processor, deliver, stored } = setup();
    const batch = [event(1, 1), event(1, 2), event(2, 1)];
    scorer.failNext = 'unavailable';
    await expect(deliver(batch)).rejects.toThrow('inference down');
    expect((await stored('1'))!.seq).toBe(2);
    const answers = await deliver(batch);
    expect([...answers.values()]).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect((await stored('1'))!.seq).toBe(2);
    expect(scorer.calls.map((c) => c.rows)).toEqual([['1@0#1', '1@0#2', '2@0#1']]);
    expect(processor.stats).toMatchObject({ applied: 3, duplicates: 3, scored: 3, rescored: 3 });
  });

  it('when the next delivery for a mote comes, then rows scored before leave its pending list and are not scored again', async () => {
    const { scorer, offlineLog, deliver, stored } = setup();
    await deliver([event(1, 1)]);
    await deliver([event(1, 2)]);
    expect(scorer.calls.map((c) => c.rows)).toEqual([['1@0#1'], ['1@0#2']]);
    expect((await stored('1'))!.pending.map((p) => p.row_key)).toEqual(['1@0#2']);
    expect(offlineLog.appended.map((r) => r.row_key)).toEqual(['1@0#1', '1@0#2']);
  });

  it('when a delivery is scored, then its rows go to the offline log at the same time, not after the score', async () => {
    const { scorer, offlineLog, deliver } = setup();
    // The score answers only once the log has the rows: were they logged after it, this delivery would never end.
    scorer.answerAfter = () => offlineLog.someAppended();
    const answers = await deliver([event(1, 1), event(2, 1)]);
    expect([...answers.values()]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(scorer.calls.map((c) => c.rows)).toEqual([['1@0#1', '2@0#1']]);
    expect(offlineLog.appended.map((r) => r.row_key)).toEqual(['1@0#1', '2@0#1']);
  });

  it('when the offline log fails while scoring succeeds, then the delivery fails and its retry scores and logs the same rows', async () => {
    const { scorer, offlineLog, processor, deliver } = setup();
    offlineLog.failNext = true;
    await expect(deliver([event(1, 1)])).rejects.toThrow('artifacts binding down');
    expect(offlineLog.appended).toEqual([]);
    const answers = await deliver([event(1, 1)]);
    expect([...answers.values()]).toEqual(['SUCCESS']);
    expect(scorer.calls.map((c) => c.rows)).toEqual([['1@0#1'], ['1@0#1']]);
    expect(offlineLog.appended.map((r) => r.row_key)).toEqual(['1@0#1']);
    expect(processor.stats).toMatchObject({ applied: 1, duplicates: 1, scored: 1, rescored: 1 });
  });

  it('when the model refuses the rows, then they stay applied and the stream goes on', async () => {
    const { scorer, processor, deliver, stored } = setup();
    scorer.failNext = 'refused';
    const answers = await deliver([event(3, 1)]);
    expect([...answers.values()]).toEqual(['SUCCESS']);
    expect((await stored('3'))!.seq).toBe(1);
    expect(processor.stats.score_refused).toBe(1);
  });

  it('when another writer changes a state first, then the readings are applied again on the new state and the retry is counted', async () => {
    const { state, processor, deliver, stored } = setup();
    state.conflicts = 1;
    const answers = await deliver([event(1, 1)]);
    expect([...answers.values()]).toEqual(['SUCCESS']);
    expect((await stored('1'))!.seq).toBe(1);
    expect(processor.stats).toMatchObject({ applied: 1, cas_retries: 1 });
  });

  it('when a state stays contended past the attempts, then only its readings answer RETRY and the other motes go on', async () => {
    const { scorer, deliver, stored } = setup({ contended: '1' });
    const answers = await deliver([event(1, 1), event(2, 1), event(1, 2)]);
    expect(Object.fromEntries(answers)).toEqual({ 0: 'RETRY', 1: 'SUCCESS', 2: 'RETRY' });
    expect(scorer.calls.map((c) => c.rows)).toEqual([['2@0#1']]);
    expect(await stored('1')).toBeUndefined();
  });

  it('when a record is not a sensor reading, then it is dropped with the reason', async () => {
    const { deliver } = setup();
    const answers = await deliver([pack({ key: 'k', record: { mote_id: 'x' } })]);
    expect([...answers.values()]).toEqual(['DROP']);
    expect(
      toReading({ key: 'k', record: { mote_id: 1, humidity: 1, temperature: 2, ts: 'not a time' } }, 0),
    ).toHaveProperty('error');
  });

  it('when an event carries readings and a record that is not one, then the readings are taken and that record is dropped', async () => {
    const { processor, deliver, stored } = setup();
    const answers = await deliver([pack(record(1, 1), { key: 'k-bad', record: { mote_id: 1 } }, record(1, 2))]);
    expect([...answers.values()]).toEqual(['SUCCESS']);
    expect((await stored('1'))!.seq).toBe(2);
    expect(processor.stats).toMatchObject({ applied: 2, dropped: 1 });
  });

  it("when an event carries readings of several motes and one mote's state stays contended, then the whole event is retried and its redelivery applies nothing twice", async () => {
    const { deliver, stored } = setup({ contended: '1' });
    // Mote 1 comes first: its RETRY must stand when mote 2's readings of the same event go through.
    const answers = await deliver([pack(record(1, 1), record(2, 1)), event(2, 2)]);
    expect(Object.fromEntries(answers)).toEqual({ 0: 'RETRY', 1: 'SUCCESS' });
    expect((await stored('2'))!.seq).toBe(2);
  });

  it('when a delivery brings more readings than a step takes, then whole events go a step at a time, at most half the remembered keys of one mote', async () => {
    const { scorer, deliver, stored } = setup({ keysSize: 2000 });
    // Mote 6: 3,000 readings in events of 500 (steps of 1,000, half of 2,000 keys); mote 7: 2,000 in events of 250.
    const six = Array.from({ length: 3000 }, (_, i) => record(6, i + 1));
    const seven = Array.from({ length: 2000 }, (_, i) => record(7, i + 1));
    const events = [...chunksOf(six, 500), ...chunksOf(seven, 250)].map((records) => pack(...records));
    const answers = await deliver(events);
    expect(new Set(answers.values())).toEqual(new Set(['SUCCESS']));
    // Steps: 6×1000, 6×1000, 6×1000 + 7×1000 (2,000 readings), 7×1000; one scoring call per 1,000 rows.
    expect(scorer.calls.map((c) => c.rows.length)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect((await stored('6'))!.seq).toBe(3000);
    expect((await stored('7'))!.seq).toBe(2000);
  });

  it('when a later step fails after earlier ones went through, then those are answered SUCCESS and the rest RETRY, and the redelivery of the rest applies nothing twice', async () => {
    const { scorer, processor, deliver, stored } = setup({ keysSize: 2000 });
    const readings = Array.from({ length: 3000 }, (_, i) => record(6, i + 1));
    const events = chunksOf(readings, 500).map((records) => pack(...records));
    // Steps of 1,000 readings (two events): the second step's score fails, after its readings were applied.
    scorer.failCall = 2;
    const answers = await deliver(events);
    expect([...answers.values()]).toEqual(['SUCCESS', 'SUCCESS', 'RETRY', 'RETRY', 'RETRY', 'RETRY']);
    expect((await stored('6'))!.seq).toBe(2000);
    // Dapr redelivers the events answered RETRY.
    const again = await processor.process(events.slice(2).map((event, i) => ({ entryId: `${i + 2}`, event })));
    expect(new Set(again.values())).toEqual(new Set(['SUCCESS']));
    expect((await stored('6'))!.seq).toBe(3000);
    expect(processor.stats).toMatchObject({ applied: 3000, duplicates: 1000 });
    expect(new Set(scorer.calls.flatMap((c) => c.rows)).size).toBe(3000);
  });

  it("when a mote's state stays contended in a step, then nothing after that step is applied, so no mote's later readings go in before its earlier ones", async () => {
    const { deliver, stored } = setup({ contended: '1', keysSize: 2000 });
    const one = chunksOf(
      Array.from({ length: 2000 }, (_, i) => record(1, i + 1)),
      500,
    ).map((r) => pack(...r));
    const two = chunksOf(
      Array.from({ length: 2000 }, (_, i) => record(2, i + 1)),
      500,
    ).map((r) => pack(...r));
    // Steps: [1, 1, 2, 2] (1,000 of each mote), then [1, 1, 2, 2].
    const answers = await deliver([one[0]!, one[1]!, two[0]!, two[1]!, one[2]!, one[3]!, two[2]!, two[3]!]);
    expect([...answers.values()]).toEqual(['RETRY', 'RETRY', 'SUCCESS', 'SUCCESS', 'RETRY', 'RETRY', 'RETRY', 'RETRY']);
    expect(await stored('1')).toBeUndefined();
    expect((await stored('2'))!.seq).toBe(1000);
  });

  it('when a delivery brings more rows than one call scores, then they are scored in calls of at most MAX_ROWS_PER_SCORE, in order', async () => {
    const { scorer, offlineLog, deliver } = setup();
    const readings = Array.from({ length: MAX_ROWS_PER_SCORE * 2 + 3 }, (_, i) => record(5, i + 1));
    const events = chunksOf(readings, 500).map((records) => pack(...records));
    const answers = await deliver(events);
    expect(new Set(answers.values())).toEqual(new Set(['SUCCESS']));
    expect(scorer.calls.map((c) => c.rows.length)).toEqual([MAX_ROWS_PER_SCORE, MAX_ROWS_PER_SCORE, 3]);
    expect(scorer.calls.flatMap((c) => c.rows)).toEqual(readings.map((_, i) => `5@0#${i + 1}`));
    expect(offlineLog.appended).toHaveLength(readings.length);
  });
});
