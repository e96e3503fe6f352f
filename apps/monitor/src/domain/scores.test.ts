import { describe, expect, it } from 'vitest';
import { scores } from './scores.ts';

describe('scores', () => {
  it('when decisions are compared with labels, then precision, recall and F1 follow the confusion counts', () => {
    // tp 2, fp 1, fn 1, tn 1
    expect(
      scores([
        [1, 1],
        [1, 1],
        [1, 0],
        [0, 1],
        [0, 0],
      ]),
    ).toEqual({ count: 5, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3 });
  });

  it('when nothing is positive, then the scores are 0 rather than NaN', () => {
    expect(scores([[0, 0]])).toEqual({ count: 1, precision: 0, recall: 0, f1: 0 });
  });
});
