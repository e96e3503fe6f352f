import { describe, expect, it } from 'vitest';
import { inputReferences, referenceSummary, reservoirSample } from './reference-summary.ts';

const oneToTen = [7, 3, 10, 1, 5, 2, 9, 4, 8, 6];

describe('referenceSummary', () => {
  it('when 1..10 is cut into 5 quantile bins, then the edges are 2, 4, 6, 8 and each bin holds a fifth', () => {
    const summary = referenceSummary(oneToTen, { bins: 5 });
    expect(summary).toEqual({
      kind: 'numeric',
      count: 10,
      edges: [2, 4, 6, 8],
      proportions: [0.2, 0.2, 0.2, 0.2, 0.2],
      sample: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    });
  });

  it('when the input is 0/1, then tied quantiles merge into two bins and the maximum is not an edge', () => {
    const summary = referenceSummary([0, 1, 0, 0], { bins: 10 });
    expect(summary.edges).toEqual([0]);
    expect(summary.proportions).toEqual([0.75, 0.25]);
  });

  it('when there are more values than the sample size, then the sample is a fixed, sorted subset', () => {
    const values = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 2000);
    const first = referenceSummary(values, { sampleSize: 500 });
    const second = referenceSummary([...values], { sampleSize: 500 });
    expect(first.sample).toHaveLength(500);
    expect(first.sample).toEqual(second.sample);
    expect(first.sample).toEqual([...first.sample].sort((a, b) => a - b));
    expect(new Set(first.sample).size).toBe(500);
    expect(first.sample.every((v) => Number.isInteger(v) && v >= 0 && v < 2000)).toBe(true);
    // A uniform sample of 0..1999 should not sit in one corner.
    const mean = first.sample.reduce((s, v) => s + v, 0) / 500;
    expect(mean).toBeGreaterThan(800);
    expect(mean).toBeLessThan(1200);
    expect(referenceSummary(values, { sampleSize: 500, seed: 7 }).sample).not.toEqual(first.sample);
  });

  it('when stored as JSON and read back, then the summary is unchanged', () => {
    const summary = referenceSummary(oneToTen.map((v) => v / 3));
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('when a value is not finite, or there are none, then it refuses', () => {
    expect(() => referenceSummary([1, Number.NaN])).toThrow(/finite/);
    expect(() => referenceSummary([])).toThrow(/no values/);
  });
});

describe('reservoirSample', () => {
  it('when the sample is as large as the data, then it keeps all of it', () => {
    expect(reservoirSample([3, 1, 2], { size: 5, seed: 1 })).toEqual([3, 1, 2]);
    expect(reservoirSample([3, 1, 2], { size: 0, seed: 1 })).toEqual([]);
  });
});

describe('inputReferences', () => {
  it('when given named columns, then it returns one summary per column', () => {
    const refs = inputReferences({ a: oneToTen, b: [0, 1, 1, 1] }, { bins: 5 });
    expect(Object.keys(refs)).toEqual(['a', 'b']);
    expect(refs.a!.edges).toEqual([2, 4, 6, 8]);
    expect(refs.b!.proportions).toEqual([0.25, 0.75]);
  });
});
