import { describe, expect, it } from 'vitest';
import { nextRate, type SearchState } from './rate-search.ts';

const opts = { growth: 1.5, maxRps: 1000, bisections: 2 };
const start: SearchState = { good: 0, bad: Number.POSITIVE_INFINITY, rps: 100, bisected: 0 };

/** The rates a search tries when `limit` is the highest sustainable one. */
function rates(limit: number, o = opts, first = start): number[] {
  const tried: number[] = [];
  for (let s: SearchState | undefined = first; s; s = nextRate(s, s.rps <= limit, o)) tried.push(s.rps);
  return tried;
}

describe('nextRate', () => {
  it('when every step passes, then it grows by the factor up to max-rps and stops there', () => {
    expect(rates(Number.POSITIVE_INFINITY)).toEqual([100, 150, 225, 338, 507, 761, 1000]);
  });

  it('when a step fails, then it bisects between the highest pass and the lowest failure, bisections times', () => {
    expect(rates(200)).toEqual([100, 150, 225, 188, 207]);
  });

  it('when the first step fails, then it bisects down from it towards 0', () => {
    expect(rates(30)).toEqual([100, 50, 25]);
  });

  it('when the pass and the failure are 1 rps apart, then it stops', () => {
    expect(rates(1, { ...opts, bisections: 10 }, { ...start, rps: 2 })).toEqual([2, 1]);
  });
});
