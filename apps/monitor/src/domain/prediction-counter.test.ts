import { describe, expect, it } from 'vitest';
import type { PredictionEvent } from '@meridian/contracts';
import { MemoryStateStore } from '../testing/fakes.ts';
import { addPrediction, emptyCounts, PredictionCounter } from './prediction-counter.ts';

describe('addPrediction', () => {
  it('when predictions of two models are added, then each model and the total count them', () => {
    const counts = ['a', 'b', 'a'].reduce(addPrediction, emptyCounts());
    expect(counts).toEqual({ total: 3, models: { a: 2, b: 1 } });
  });

  it('when adding, then the previous counts are left unchanged', () => {
    const before = emptyCounts();
    addPrediction(before, 'a');
    expect(before).toEqual({ total: 0, models: {} });
  });
});

const event = (id: string, model = 'm'): PredictionEvent => ({
  id,
  model,
  version: '1',
  input_hash: id,
  rows: 1,
  inputs: { x: [1] },
  outputs: { p: [0.1] },
  latency_ms: 1,
  ts: new Date().toISOString(),
});

describe('PredictionCounter', () => {
  const make = () => {
    const state = new MemoryStateStore();
    return { state, counter: new PredictionCounter({ state, store: 'statestore' }) };
  };

  it('when thousands of events are counted, then the shards hold counts only: what is kept does not grow with the events', async () => {
    const { state, counter } = make();
    for (let b = 0; b < 10; b++) await counter.recordMany(Array.from({ length: 300 }, (_, i) => event(`e${b}-${i}`)));
    expect(await counter.counts()).toEqual({ total: 3000, models: { m: 3000 } });
    for (const shard of state.values('prediction-counts:') as { pending: string[]; ids?: unknown }[]) {
      expect(shard.pending).toEqual([]);
      expect(shard.ids).toBeUndefined();
    }
  });

  it('when the monitor dies after counting and before writing markers, then the redelivered events are not counted again', async () => {
    const { state, counter } = make();
    const batch = [event('a'), event('b'), event('c')];
    // The markers' write fails as a crash would end it: the shards already have the counts.
    const commit = state.commitState.bind(state);
    state.commitState = async (o) => {
      if (o.items.some((i) => i.key.startsWith('counted:'))) throw new Error('crash');
      return commit(o);
    };
    await expect(counter.recordMany(batch)).rejects.toThrow('crash');
    expect((await counter.counts()).total).toBe(3);
    expect(await counter.seen('a')).toBe(true);
    state.commitState = commit;
    const again = await counter.recordMany(batch);
    expect([...again.fresh]).toEqual([]);
    expect((await counter.counts()).total).toBe(3);
    expect(state.values('counted:')).toHaveLength(3);
    expect((state.values('prediction-counts:') as { pending: string[] }[]).every((s) => s.pending.length === 0)).toBe(
      true,
    );
  });

  it('when a shard from before markers (every id listed) is read, then its counts stay and its id list is dropped at the next write', async () => {
    const { state, counter } = make();
    const key = 'prediction-counts:7';
    await state.saveState({
      store: 'statestore',
      items: [{ key, value: { models: { old: 5 }, ids: ['x1', 'x2', 'x3', 'x4', 'x5'] } }],
    });
    expect((await counter.counts()).models.old).toBe(5);
    const ids = Array.from({ length: 400 }, (_, i) => `n${i}`);
    await counter.recordMany(ids.map((id) => event(id)));
    expect((await counter.counts()).total).toBe(405);
    expect((state.values(key) as { ids?: unknown }[])[0]!.ids).toBeUndefined();
  });
});
