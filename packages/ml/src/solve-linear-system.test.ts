import { describe, expect, it } from 'vitest';
import { solveLinearSystem } from './solve-linear-system.ts';

describe('solveLinearSystem', () => {
  it('when the system needs a row swap, then it still finds the exact solution', () => {
    // Solution (1, -2, 3); the zero in the top-left forces pivoting.
    const a = [
      [0, 2, 1],
      [1, 1, 1],
      [2, -1, 3],
    ];
    const x = solveLinearSystem(a, [-1, 2, 13]);
    expect(x[0]).toBeCloseTo(1, 12);
    expect(x[1]).toBeCloseTo(-2, 12);
    expect(x[2]).toBeCloseTo(3, 12);
    expect(a[0]).toEqual([0, 2, 1]);
  });

  it('when the matrix is singular, then it throws', () => {
    expect(() =>
      solveLinearSystem(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    ).toThrow(/singular/);
  });
});
