import { describe, expect, it } from 'vitest';
import { liveFairness } from './bias-monitor.ts';

describe('liveFairness', () => {
  it('when unprivileged groups are selected less often, then parity difference is negative and the impact ratio below 1', () => {
    const f = liveFairness({ male: { count: 10, positives: 6 }, female: { count: 8, positives: 2 }, other: { count: 2, positives: 1 } }, 'male');
    expect(f.demographic_parity_difference).toBeCloseTo(0.3 - 0.6, 12);
    expect(f.disparate_impact_ratio).toBeCloseTo(0.5, 12);
    expect(f.groups.female).toEqual({ count: 8, selection_rate: 0.25 });
  });

  it('when the privileged group has no traffic, then the metrics are null rather than made up', () => {
    expect(liveFairness({ female: { count: 3, positives: 1 } }, 'male')).toMatchObject({ demographic_parity_difference: null, disparate_impact_ratio: null });
  });
});
