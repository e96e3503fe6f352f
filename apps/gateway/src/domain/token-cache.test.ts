import { describe, expect, it } from 'vitest';
import { TokenCache } from './token-cache.ts';
import type { Principal } from './token-verifier.ts';

const principal = (expiresAt: number): Principal => ({ subject: 'bob', roles: ['predict'], expiresAt });
const keys = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('TokenCache', () => {
  it('when a verified token comes again before it expires and its key is unchanged, then it is a hit', () => {
    const cache = new TokenCache({ now: () => 1_000 });
    cache.set({ token: 't', principal: principal(2_000), kid: 'k1', fingerprint: 'f1' });
    expect(cache.get({ token: 't', keys: keys({ k1: 'f1' }) })).toEqual(principal(2_000));
  });

  it('when a cached token has expired, then it is a miss and is dropped', () => {
    let now = 1_000;
    const cache = new TokenCache({ now: () => now });
    cache.set({ token: 't', principal: principal(2_000), kid: 'k1', fingerprint: 'f1' });
    now = 2_000;
    expect(cache.get({ token: 't', keys: keys({ k1: 'f1' }) })).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('when its key left the key set or changed, then a cached token is a miss', () => {
    const cache = new TokenCache({ now: () => 1_000 });
    cache.set({ token: 't', principal: principal(2_000), kid: 'k1', fingerprint: 'f1' });
    expect(cache.get({ token: 't', keys: keys({ k2: 'f2' }) })).toBeUndefined();
    cache.set({ token: 't', principal: principal(2_000), kid: 'k1', fingerprint: 'f1' });
    expect(cache.get({ token: 't', keys: keys({ k1: 'other material' }) })).toBeUndefined();
  });

  it('when the key set changes, then retain drops the entries of keys that left and keeps the others', () => {
    const cache = new TokenCache({ now: () => 1_000 });
    cache.set({ token: 'old', principal: principal(2_000), kid: 'k1', fingerprint: 'f1' });
    cache.set({ token: 'new', principal: principal(2_000), kid: 'k2', fingerprint: 'f2' });
    cache.retain(keys({ k2: 'f2' }));
    expect(cache.size).toBe(1);
    expect(cache.get({ token: 'new', keys: keys({ k2: 'f2' }) })).toBeDefined();
  });

  it('when the cache is full, then the oldest entry goes first', () => {
    const cache = new TokenCache({ now: () => 1_000, maxEntries: 2 });
    for (const token of ['a', 'b', 'c'])
      cache.set({ token, principal: principal(2_000), kid: 'k1', fingerprint: 'f1' });
    expect(cache.size).toBe(2);
    expect(cache.get({ token: 'a', keys: keys({ k1: 'f1' }) })).toBeUndefined();
    expect(cache.get({ token: 'c', keys: keys({ k1: 'f1' }) })).toBeDefined();
  });
});
