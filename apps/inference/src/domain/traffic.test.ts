import { describe, expect, it } from 'vitest';
import { TrafficPolicy } from '@meridian/contracts';
import { chooseVersion, stickyFraction } from './traffic.ts';

const loaded = new Set(['1', '2', '3']);
const choose = (traffic: object, extra: { pinned?: string; stickyKey?: string; random?: () => number } = {}) =>
  chooseVersion({ traffic: TrafficPolicy.parse(traffic), champion: '1', loaded, ...extra });

describe('chooseVersion', () => {
  it('when a version is pinned, then it wins over every split', () => {
    expect(choose({ canary: { version: '2', percent: 100 } }, { pinned: '3' })).toEqual({
      version: '3',
      reason: 'explicit',
    });
  });

  it('when a canary takes a percent, then that share of random draws goes to it', () => {
    expect(choose({ canary: { version: '2', percent: 10 } }, { random: () => 0.05 }).version).toBe('2');
    expect(choose({ canary: { version: '2', percent: 10 } }, { random: () => 0.5 })).toEqual({
      version: '1',
      reason: 'default',
    });
  });

  it('when an A/B split has a sticky key, then a key always lands on the same version, and keys spread by weight', () => {
    const traffic = { ab: { versions: { '1': 1, '2': 3 } } };
    const first = choose(traffic, { stickyKey: 'user-42' }).version;
    for (let i = 0; i < 5; i++)
      expect(choose(traffic, { stickyKey: 'user-42', random: Math.random }).version).toBe(first);
    const onTwo = Array.from({ length: 2000 }, (_, i) => choose(traffic, { stickyKey: `u${i}` }).version).filter(
      (v) => v === '2',
    ).length;
    expect(onTwo / 2000).toBeGreaterThan(0.7);
    expect(onTwo / 2000).toBeLessThan(0.8);
  });

  it('when a shadow is set, then the answer comes from the routed version and the shadow is named', () => {
    expect(choose({ shadow: { version: '3' } })).toEqual({ version: '1', reason: 'default', shadow: '3' });
  });

  it('when a policy names versions that are not loaded, then traffic stays on the champion', () => {
    expect(choose({ canary: { version: '9', percent: 100 }, shadow: { version: '9' } }, { random: () => 0 })).toEqual({
      version: '1',
      reason: 'default',
    });
  });

  it('when hashing sticky keys, then fractions are stable and in [0, 1)', () => {
    expect(stickyFraction('a')).toBe(stickyFraction('a'));
    expect(stickyFraction('a')).toBeGreaterThanOrEqual(0);
    expect(stickyFraction('a')).toBeLessThan(1);
  });
});
