import { describe, expect, it } from 'vitest';
import { liveFairness } from './bias-monitor.ts';

describe('liveFairness', () => {
  it('when unprivileged groups are selected less often, then parity difference is negative and the impact ratio below 1', () => {
    const f = liveFairness(
      { male: { count: 10, positives: 6 }, female: { count: 8, positives: 2 }, other: { count: 2, positives: 1 } },
      'male',
    );
    expect(f.demographic_parity_difference).toBeCloseTo(0.3 - 0.6, 12);
    expect(f.disparate_impact_ratio).toBeCloseTo(0.5, 12);
    expect(f.groups.female).toEqual({ count: 8, selection_rate: 0.25 });
  });

  it('when the privileged group has no traffic, then the metrics are null rather than made up', () => {
    expect(liveFairness({ female: { count: 3, positives: 1 } }, 'male')).toMatchObject({
      demographic_parity_difference: null,
      disparate_impact_ratio: null,
      equal_opportunity_difference: null,
      labelled: null,
    });
  });

  it('when labels are joined, then the equal-opportunity difference is the TPR gap of the labelled predictions', () => {
    // Men: 4 actual positives, 3 found. Women: 4 actual positives, 1 found.
    const labelled = { male: { tp: 3, fp: 1, fn: 1, tn: 5 }, female: { tp: 1, fp: 0, fn: 3, tn: 4 } };
    const f = liveFairness({ male: { count: 10, positives: 4 }, female: { count: 8, positives: 1 } }, 'male', labelled);
    expect(f.equal_opportunity_difference).toBeCloseTo(0.25 - 0.75, 12);
    expect(f.labelled).toMatchObject({ privileged: 'male', demographic_parity_difference: 1 / 8 - 4 / 10 });
    expect(f.labelled!.groups.female).toEqual({ count: 8, positives: 4, selection_rate: 1 / 8, tpr: 0.25 });
  });

  it('when only the privileged group has labels so far, then the labelled metrics are null', () => {
    expect(liveFairness({}, 'male', { male: { tp: 1, fp: 0, fn: 0, tn: 0 } })).toMatchObject({
      equal_opportunity_difference: null,
      labelled: null,
    });
  });
});
