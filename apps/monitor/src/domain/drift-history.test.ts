import { describe, expect, it } from 'vitest';
import type { DriftHistoryWindow } from '@meridian/contracts';
import { createLogger } from '@meridian/service-kit';
import { MemoryStateStore } from '../testing/fakes.ts';
import { DriftHistoryLog, historyKey, withWindow } from './drift-history.ts';

createLogger({ name: 'test', level: 'silent' });

const closed = (index: number, drifted = false): DriftHistoryWindow => ({
  index,
  closed_at: new Date(Date.UTC(2026, 11, 1, 10, index)).toISOString(),
  rows: 4,
  features: [{ name: 'x', kind: 'input', psi: index / 10, ks: 0.5, ks_p_value: 0.2, drifted, provisional: false }],
  drifted,
});

const indices = (windows: readonly DriftHistoryWindow[] | undefined) => windows?.map((w) => w.index);

describe('withWindow', () => {
  it('when windows close one after another, then each is appended in order of index', () => {
    let history: DriftHistoryWindow[] | undefined;
    for (const i of [0, 1, 2]) history = withWindow(history, closed(i), { max: 5 });
    expect(indices(history)).toEqual([0, 1, 2]);
  });

  it('when a window arrives after a later one (another replica wrote first), then it takes its place by index', () => {
    expect(indices(withWindow([closed(0), closed(2)], closed(1), { max: 5 }))).toEqual([0, 1, 2]);
  });

  it('when the same index is judged again, then there is nothing to write', () => {
    expect(withWindow([closed(0), closed(1)], closed(1, true), { max: 5 })).toBeUndefined();
  });

  it('when the history is full, then the oldest window goes; a window older than all it keeps is not written', () => {
    expect(indices(withWindow([closed(3), closed(4)], closed(5), { max: 2 }))).toEqual([4, 5]);
    expect(withWindow([closed(3), closed(4)], closed(1), { max: 2 })).toBeUndefined();
  });
});

describe('DriftHistoryLog', () => {
  const store = 'statestore';
  const version = { model: 'm', version: '1' };

  it('when more windows close than it keeps, then it answers the latest, oldest first, from one key per version', async () => {
    const state = new MemoryStateStore();
    const log = new DriftHistoryLog({ state, store, max: 3 });
    for (const i of [0, 1, 2, 3, 4]) expect(await log.append({ ...version, window: closed(i) })).toBe(true);
    expect(indices(await log.windows(version))).toEqual([2, 3, 4]);
    expect(indices((await state.getState<DriftHistoryWindow[]>({ store, key: historyKey(version) })).value)).toEqual([
      2, 3, 4,
    ]);
    expect(await log.windows({ model: 'm', version: '2' })).toEqual([]);
  });

  it('when a window is appended twice (a redelivery), then it is kept once, as first judged', async () => {
    const log = new DriftHistoryLog({ state: new MemoryStateStore(), store, max: 10 });
    await log.append({ ...version, window: closed(0) });
    await log.append({ ...version, window: closed(0, true) });
    expect(await log.windows(version)).toEqual([closed(0)]);
  });

  it('when another writer changes the key between read and write, then the append tries again and lands', async () => {
    const state = new MemoryStateStore();
    const log = new DriftHistoryLog({ state, store, max: 10 });
    await log.append({ ...version, window: closed(0) });
    state.conflicts = 2;
    expect(await log.append({ ...version, window: closed(1) })).toBe(true);
    expect(indices(await log.windows(version))).toEqual([0, 1]);
  });
});
