import { describe, expect, it } from 'vitest';
import { LiveStore, MAX_POINTS } from './live.ts';

describe('live store', () => {
  it('when predictions events arrive, then each model keeps a bounded series of its counts', () => {
    const store = new LiveStore();
    for (let i = 0; i < MAX_POINTS + 5; i++)
      store.apply({ type: 'predictions', data: { total: i * 2, per_model: { a: i, b: i } } }, i * 1000);
    const a = store.predictions.get('a')!;
    expect(a.v).toHaveLength(MAX_POINTS);
    expect(a.v[0]).toBe(5);
    expect(a.t[a.t.length - 1]).toBe(MAX_POINTS + 4);
  });
});
