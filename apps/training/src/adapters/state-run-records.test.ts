import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@meridian/testkit';
import { RUN_INDEX_MAX, StateRunRecords } from './state-run-records.ts';

const recordsOn = (state: MemoryStateStore) => new StateRunRecords({ dapr: state, store: 'statestore', backoffMs: 0 });

describe('the run index in the state store', () => {
  it('when runs are added, then the latest come first, an id is listed once, and a limit cuts the list', async () => {
    const records = recordsOn(new MemoryStateStore());
    for (const id of ['run-1', 'run-2', 'run-3', 'run-2']) expect(await records.addToIndex(id)).toBe(true);
    expect(await records.latest(10)).toEqual(['run-3', 'run-2', 'run-1']);
    expect(await records.latest(2)).toEqual(['run-3', 'run-2']);
  });

  it('when two replicas add runs at the same time, then every run is listed', async () => {
    const state = new MemoryStateStore();
    const [a, b] = [recordsOn(state), recordsOn(state)];
    const ids = Array.from({ length: 20 }, (_, i) => `run-${i}`);
    await Promise.all(ids.map((id, i) => (i % 2 ? a : b).addToIndex(id)));
    expect((await a.latest(100)).sort()).toEqual([...ids].sort());
  });

  it('when more runs than the index keeps are added, then the oldest leave it and the key stays bounded', async () => {
    const records = recordsOn(new MemoryStateStore());
    for (let i = 0; i <= RUN_INDEX_MAX; i++) await records.addToIndex(`run-${i}`);
    const all = await records.latest(RUN_INDEX_MAX + 10);
    expect(all).toHaveLength(RUN_INDEX_MAX);
    expect(all[0]).toBe(`run-${RUN_INDEX_MAX}`);
    expect(all).not.toContain('run-0');
  });
});
