import { describe, expect, it } from 'vitest';
import type { PredictionEvent } from '@meridian/contracts';
import { addToWindow, filledWindow } from './drift-window.ts';

const event = (id: string, temperature: number[], version = '1'): PredictionEvent => ({
  id,
  model: 'm',
  version,
  input_hash: 'h',
  rows: temperature.length,
  latency_ms: 1,
  ts: new Date(0).toISOString(),
  inputs: { temperature, mote: temperature.map(() => 'a') },
  outputs: { p: temperature.map((t) => t / 100) },
});

describe('addToWindow', () => {
  it('when events arrive, then numeric inputs and the first output keep their latest values and rows keep counting', () => {
    const w = addToWindow(addToWindow(undefined, event('a', [1, 2]), { size: 3 }), event('b', [3, 4]), { size: 3 })!;
    expect(w).toEqual({
      version: '1',
      rows: 4,
      ids: ['a', 'b'],
      columns: {
        temperature: { kind: 'input', values: [2, 3, 4] },
        p: { kind: 'prediction', values: [0.02, 0.03, 0.04] },
      },
    });
  });

  it('when an event comes again, then nothing is to be written', () => {
    expect(
      addToWindow(addToWindow(undefined, event('a', [1]), { size: 3 }), event('a', [1]), { size: 3 }),
    ).toBeUndefined();
  });

  it('when a column takes only some rows, then only those enter it, while rows count every row', () => {
    const take = (name: string) => (name === 'p' ? (_: unknown, row: number) => row > 0 : () => true);
    const w = addToWindow(undefined, event('a', [1, 2, 3]), { size: 5, take })!;
    expect(w).toMatchObject({ rows: 3, columns: { temperature: { values: [1, 2, 3] }, p: { values: [0.02, 0.03] } } });
  });

  it('when a new version is served, then its window starts afresh', () => {
    const w = addToWindow(addToWindow(undefined, event('a', [1, 2]), { size: 3 }), event('b', [9], '2'), { size: 3 })!;
    expect(w).toMatchObject({ version: '2', rows: 1, ids: ['b'], columns: { temperature: { values: [9] } } });
  });
});

describe('filledWindow', () => {
  it('when a write crosses a multiple of the size, then the window it completed is named, else none', () => {
    expect([
      filledWindow(0, 299, 300),
      filledWindow(299, 300, 300),
      filledWindow(250, 700, 300),
      filledWindow(300, 301, 300),
    ]).toEqual([undefined, 0, 1, undefined]);
  });
});
