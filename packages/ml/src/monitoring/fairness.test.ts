import { describe, expect, it } from 'vitest';
import { addToConfusion, emptyConfusion, fairnessFromCounts, fairnessReport } from './fairness.ts';

// Group A (privileged): selects 3 of 4, finds both positives. Group B: selects 1 of 4, finds 1 of 2.
const twoGroups = {
  yTrue: [1, 1, 0, 0, 1, 1, 0, 0],
  yPred: [1, 1, 1, 0, 1, 0, 0, 0],
  groups: ['A', 'A', 'A', 'A', 'B', 'B', 'B', 'B'],
  privileged: 'A',
};

describe('fairnessReport', () => {
  it('when the unprivileged group is selected less, then the differences are negative and the ratio below 1', () => {
    const report = fairnessReport(twoGroups);
    expect(report.groups).toEqual({
      A: { count: 4, positives: 2, selection_rate: 0.75, tpr: 1 },
      B: { count: 4, positives: 2, selection_rate: 0.25, tpr: 0.5 },
    });
    expect(report.demographic_parity_difference).toBeCloseTo(-0.5, 12);
    expect(report.equal_opportunity_difference).toBeCloseTo(-0.5, 12);
    expect(report.disparate_impact_ratio).toBeCloseTo(1 / 3, 12);
    expect(report.by_group.B).toEqual({
      demographic_parity_difference: report.demographic_parity_difference,
      equal_opportunity_difference: report.equal_opportunity_difference,
      disparate_impact_ratio: report.disparate_impact_ratio,
    });
  });

  it('when there are two unprivileged groups, then the headline pools them and by_group keeps each', () => {
    // C: both selected, its one positive found. Pooled B ∪ C: 3 of 6 selected, 2 of 3 positives found.
    const report = fairnessReport({
      yTrue: [...twoGroups.yTrue, 1, 0],
      yPred: [...twoGroups.yPred, 1, 1],
      groups: [...twoGroups.groups, 'C', 'C'],
      privileged: 'A',
    });
    expect(report.demographic_parity_difference).toBeCloseTo(0.5 - 0.75, 12);
    expect(report.equal_opportunity_difference).toBeCloseTo(2 / 3 - 1, 12);
    expect(report.disparate_impact_ratio).toBeCloseTo(0.5 / 0.75, 12);
    expect(report.by_group.C!.demographic_parity_difference).toBeCloseTo(0.25, 12);
    expect(report.by_group.C!.equal_opportunity_difference).toBeCloseTo(0, 12);
    expect(report.by_group.C!.disparate_impact_ratio).toBeCloseTo(4 / 3, 12);
    expect(Object.keys(report.by_group)).toEqual(['B', 'C']);
  });

  it('when a rate is undefined, then the field is null rather than NaN, so the card stays valid JSON', () => {
    const report = fairnessReport({
      yTrue: [1, 0, 0, 0],
      yPred: [0, 0, 1, 0],
      groups: ['P', 'P', 'U', 'U'],
      privileged: 'P',
    });
    expect(report.groups.U!.tpr).toBeNull();
    expect(report.equal_opportunity_difference).toBeNull();
    expect(report.disparate_impact_ratio).toBeNull();
    expect(report.demographic_parity_difference).toBe(0.5);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('when the input is inconsistent, then it refuses', () => {
    expect(() => fairnessReport({ ...twoGroups, privileged: 'Z' })).toThrow(/privileged/);
    expect(() => fairnessReport({ ...twoGroups, yPred: [0.7, ...twoGroups.yPred.slice(1)] })).toThrow(/0 or 1/);
    expect(() => fairnessReport({ ...twoGroups, groups: twoGroups.groups.slice(1) })).toThrow(/lengths/);
    expect(() => fairnessReport({ yTrue: [1], yPred: [1], groups: ['A'], privileged: 'A' })).toThrow(/unprivileged/);
  });
});

describe('fairnessFromCounts', () => {
  it('when given the confusion counts of rows, then it reports exactly what fairnessReport reports on the rows', () => {
    // A: tp 2, fp 1, tn 1. B: tp 1, fn 1, tn 2.
    const counts = { A: { tp: 2, fp: 1, fn: 0, tn: 1 }, B: { tp: 1, fp: 0, fn: 1, tn: 2 } };
    expect(fairnessFromCounts(counts, 'A')).toEqual(fairnessReport(twoGroups));
  });

  it('when counts are added one row at a time, then each row lands in its cell and the old counts stay as they were', () => {
    const before = emptyConfusion();
    const after = [
      [1, 1],
      [1, 0],
      [0, 1],
      [0, 0],
      [1, 1],
    ].reduce((c, [d, l]) => addToConfusion(c, d!, l!), before);
    expect(after).toEqual({ tp: 2, fp: 1, fn: 1, tn: 1 });
    expect(before).toEqual({ tp: 0, fp: 0, fn: 0, tn: 0 });
  });

  it('when a group has no rows, then it is left out rather than reported with NaN rates', () => {
    const report = fairnessFromCounts(
      { A: { tp: 1, fp: 0, fn: 0, tn: 1 }, B: { tp: 0, fp: 1, fn: 1, tn: 0 }, C: emptyConfusion() },
      'A',
    );
    expect(Object.keys(report.groups)).toEqual(['A', 'B']);
    expect(() => fairnessFromCounts({ A: emptyConfusion(), B: { tp: 1, fp: 0, fn: 0, tn: 0 } }, 'A')).toThrow(
      /privileged/,
    );
  });
});
