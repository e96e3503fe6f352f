import type { ModelPolicy } from '@meridian/contracts';
import { describe, expect, it } from 'vitest';
import { describeSplit, trafficSplit } from './traffic.ts';

const policy = (traffic: ModelPolicy['traffic'], default_version?: string) =>
  ({ traffic, ...(default_version ? { default_version } : {}) }) as ModelPolicy;

describe('traffic split', () => {
  it('when a canary takes a share, then the champion keeps the rest and a shadow is only mirrored', () => {
    const split = trafficSplit(policy({ canary: { version: '4', percent: 10 }, shadow: { version: '5' } }, '3'));
    expect(split).toEqual({ champion: '3', championPercent: 90, canary: { version: '4', percent: 10 }, shadow: '5' });
    expect(describeSplit(split)).toBe('champion v3 90 % · canary v4 10 % · shadow v5 (mirrored)');
  });

  it('when the policy names no champion, then the production version is shown, else the highest loaded', () => {
    expect(describeSplit(trafficSplit(policy({}), '2'))).toBe('champion v2 100 %');
    expect(describeSplit(trafficSplit(policy({})))).toBe('champion (highest loaded) 100 %');
  });

  it('when the policy splits A/B by weight, then the weights are shown as shares', () => {
    const split = trafficSplit(policy({ ab: { versions: { '1': 1, '2': 3 }, sticky_header: 'x' } }));
    expect(describeSplit(split)).toBe('A/B v1 25 % · v2 75 %');
  });
});
