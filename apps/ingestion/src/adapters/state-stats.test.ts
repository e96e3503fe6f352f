import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@meridian/testkit';
import { StateStats } from './state-stats.ts';

const delta = { accepted: 2, rejected: 1, duplicates: 0, dead_lettered: 1 };

describe('StateStats', () => {
  it('when batches add their counts concurrently, then every batch is counted once', async () => {
    const stats = new StateStats({ dapr: new MemoryStateStore(), store: 'statestore', backoffMs: 0 });
    await Promise.all(
      Array.from({ length: 8 }, () => stats.add({ stream: 's', delta, at: '2024-03-01T10:00:00.000Z' })),
    );
    expect(await stats.get('s')).toEqual({
      stream: 's',
      accepted: 16,
      rejected: 8,
      duplicates: 0,
      dead_lettered: 8,
      batches: 8,
      updated_at: '2024-03-01T10:00:00.000Z',
    });
  });

  it('when the key stays contended past the attempts, then add fails with a 503 naming the key instead of dropping the counts', async () => {
    const state = new MemoryStateStore();
    state.conflicts = 1_000;
    const stats = new StateStats({ dapr: state, store: 'statestore', backoffMs: 0 });
    await expect(stats.add({ stream: 's', delta, at: '2024-03-01T10:00:00.000Z' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('stats:s'),
    });
  });
});
