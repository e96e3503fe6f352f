import { describe, expect, it } from 'vitest';
import type { IngestedRecordEvent } from '@meridian/contracts';
import { sensorWindowSpec } from '@meridian/ml';
import { AppError, KeyedLock } from '@meridian/service-kit';
import type { EntityStore, Loaded } from '../adapters/entity-store.ts';
import type { Scorer } from '../adapters/scorer.ts';
import type { EntityState, PendingRow } from './mote-state.ts';
import { StreamProcessor, toReading } from './stream-processor.ts';

/** The store's contract in memory: whole states, written only if unchanged since read. */
class MemoryStore {
  readonly states = new Map<string, { state: EntityState; etag: string }>();
  private n = 0;
  async load(entities: string[]): Promise<Loaded[]> {
    return entities.map((entity) => ({ entity, state: this.states.get(entity)?.state, etag: this.states.get(entity)?.etag }));
  }
  async save(writes: { state: EntityState; etag: string | undefined }[]): Promise<Set<string>> {
    const failed = new Set<string>();
    for (const w of writes) {
      if (this.states.get(w.state.entity)?.etag !== w.etag) failed.add(w.state.entity);
      else this.states.set(w.state.entity, { state: structuredClone(w.state), etag: `${++this.n}` });
    }
    return failed;
  }
}

class FlakyScorer {
  readonly calls: string[][] = [];
  failNext: 'none' | 'unavailable' | 'refused' = 'none';
  readonly model = 'm';
  async score(rows: PendingRow[]): Promise<number[]> {
    const mode = this.failNext;
    this.failNext = 'none';
    if (mode === 'unavailable') throw new AppError({ code: 'BAD_GATEWAY', message: 'inference down' });
    if (mode === 'refused') throw new AppError({ code: 'BAD_REQUEST', message: 'no such input' });
    this.calls.push(rows.map((r) => r.row_key));
    return rows.map(() => 0);
  }
}

const event = (mote: number, i: number): IngestedRecordEvent => ({
  stream: 'sensor-readings', key: `k-${mote}-${i}`, received_at: new Date(1_000 + i).toISOString(),
  record: { mote_id: mote, humidity: 40 + i, temperature: 20 + i, ts: 1_000 * i },
});

function setup() {
  const store = new MemoryStore();
  const scorer = new FlakyScorer();
  const processor = new StreamProcessor({
    store: store as unknown as EntityStore, lock: new KeyedLock(), spec: sensorWindowSpec(3), historySize: 10, keysSize: 100,
    scorer: scorer as unknown as Scorer, offlineLog: undefined, clock: () => new Date(0),
  });
  const deliver = (events: IngestedRecordEvent[]) => processor.process(events.map((e, i) => ({ entryId: `${i}`, event: e })));
  return { store, scorer, processor, deliver };
}

describe('stream processor: applied once, scored at least once under stable row keys', () => {
  it('when scoring fails after the readings were applied, then the redelivery applies nothing twice and scores the same rows again', async () => {
    const { store, scorer, processor, deliver } = setup();
    const batch = [event(1, 1), event(1, 2), event(2, 1)];
    scorer.failNext = 'unavailable';
    await expect(deliver(batch)).rejects.toThrow('inference down');
    expect(store.states.get('1')!.state.seq).toBe(2);
    const answers = await deliver(batch);
    expect([...answers.values()]).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(store.states.get('1')!.state.seq).toBe(2);
    expect(scorer.calls).toEqual([['1@0#1', '1@0#2', '2@0#1']]);
    expect(processor.stats).toMatchObject({ applied: 3, duplicates: 3, scored: 3, rescored: 3 });
  });

  it('when the next delivery for a mote comes, then rows scored before leave its pending list and are not scored again', async () => {
    const { store, scorer, deliver } = setup();
    await deliver([event(1, 1)]);
    await deliver([event(1, 2)]);
    expect(scorer.calls).toEqual([['1@0#1'], ['1@0#2']]);
    expect(store.states.get('1')!.state.pending.map((p) => p.row_key)).toEqual(['1@0#2']);
  });

  it('when the model refuses the rows, then they stay applied and the stream goes on', async () => {
    const { store, scorer, processor, deliver } = setup();
    scorer.failNext = 'refused';
    const answers = await deliver([event(3, 1)]);
    expect([...answers.values()]).toEqual(['SUCCESS']);
    expect(store.states.get('3')!.state.seq).toBe(1);
    expect(processor.stats.score_refused).toBe(1);
  });

  it('when a record is not a sensor reading, then it is dropped with the reason', async () => {
    const { deliver } = setup();
    const answers = await deliver([{ ...event(1, 1), record: { mote_id: 'x' } }]);
    expect([...answers.values()]).toEqual(['DROP']);
    expect(toReading({ ...event(1, 1), record: { mote_id: 1, humidity: 1, temperature: 2, ts: 'not a time' } })).toHaveProperty('error');
  });
});
