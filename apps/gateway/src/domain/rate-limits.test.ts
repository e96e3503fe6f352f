import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '@meridian/service-kit';
import {
  DEFAULT_RATE_LIMITS,
  DEFAULT_RATE_QUOTAS,
  describePolicies,
  parsePolicies,
  rateLimitEnv,
  resolvePolicy,
} from './rate-limits.ts';

const table = (text: string) => {
  const { table: t, problems } = parsePolicies(text);
  expect(problems).toEqual([]);
  return t;
};

describe('rate limit configuration', () => {
  it('when the defaults are parsed, then every class has a limit and a daily quota for any role', () => {
    for (const text of [DEFAULT_RATE_LIMITS, DEFAULT_RATE_QUOTAS]) {
      const t = table(text);
      for (const routeClass of ['infer', 'read', 'ingest', 'admin', 'stream'] as const) {
        for (const role of ['predict', 'ingest', 'admin', 'model-download'])
          expect(resolvePolicy(t, { routeClass, roles: [role] })).toBeDefined();
      }
    }
    expect(resolvePolicy(table(DEFAULT_RATE_QUOTAS), { routeClass: 'infer', roles: ['predict'] })?.windowMs).toBe(
      86_400_000,
    );
  });

  it('when units are given, then windows are in milliseconds and a bare unit means one of it', () => {
    const t = table('infer:predict=6000/60s, read:*=100/s ,ingest:*=10/2m,admin:admin=5/1h,*:*=1/1d,read:admin=off');
    expect(t.get('infer:predict')).toEqual({ limit: 6000, windowMs: 60_000 });
    expect(t.get('read:*')).toEqual({ limit: 100, windowMs: 1000 });
    expect(t.get('ingest:*')).toEqual({ limit: 10, windowMs: 120_000 });
    expect(t.get('admin:admin')).toEqual({ limit: 5, windowMs: 3_600_000 });
    expect(t.get('read:admin')).toBe('off');
    expect(describePolicies(t)).toContain('infer:predict 6000/60s');
  });

  it('when the value is "off", then there are no limits; when it is empty, then that is an error', () => {
    expect(table('off').size).toBe(0);
    expect(parsePolicies(' ').problems).toHaveLength(1);
  });

  it('when a subject has several roles, then the most generous limit among them wins', () => {
    const t = table('infer:predict=6000/60s,infer:admin=200/1s,read:*=1200/60s,read:admin=10/1s');
    expect(resolvePolicy(t, { routeClass: 'infer', roles: ['predict', 'admin'] })).toEqual({
      limit: 200,
      windowMs: 1000,
    });
    expect(resolvePolicy(t, { routeClass: 'read', roles: ['predict', 'admin'] })).toEqual({
      limit: 1200,
      windowMs: 60_000,
    });
    expect(resolvePolicy(t, { routeClass: 'read', roles: ['predict'] })).toEqual({ limit: 1200, windowMs: 60_000 });
  });

  it('when two policies allow the same rate, then the longer window wins', () => {
    const t = table('infer:predict=60/1s,infer:admin=3600/60s');
    expect(resolvePolicy(t, { routeClass: 'infer', roles: ['predict', 'admin'] })).toEqual({
      limit: 3600,
      windowMs: 60_000,
    });
  });

  it('when one role is unlimited, then the subject is; a role without a policy for the class grants nothing', () => {
    const t = table('infer:predict=6000/60s,infer:admin=off,ingest:ingest=600/60s');
    expect(resolvePolicy(t, { routeClass: 'infer', roles: ['predict', 'admin'] })).toBeUndefined();
    expect(resolvePolicy(t, { routeClass: 'infer', roles: ['predict', 'ingest'] })).toEqual({
      limit: 6000,
      windowMs: 60_000,
    });
    expect(resolvePolicy(t, { routeClass: 'admin', roles: ['admin'] })).toBeUndefined();
  });

  it('when specific and wildcard entries exist, then class:role beats class:* beats *:role beats *:*', () => {
    const t = table('*:*=1/1s,*:admin=2/1s,read:*=3/1s,read:admin=4/1s');
    expect(resolvePolicy(t, { routeClass: 'read', roles: ['admin'] })?.limit).toBe(4);
    expect(resolvePolicy(t, { routeClass: 'read', roles: ['predict'] })?.limit).toBe(3);
    expect(resolvePolicy(t, { routeClass: 'infer', roles: ['admin'] })?.limit).toBe(2);
    expect(resolvePolicy(t, { routeClass: 'infer', roles: ['predict'] })?.limit).toBe(1);
  });

  it('when the env holds several mistakes, then boot lists every one of them together', () => {
    const env = {
      RATE_LIMITS: 'infer:predict=6000/60s,infer:predict=1/1s,inference:admin=5/1s,read:root=5/1s,ingest:*=600',
      RATE_QUOTAS: 'infer:*=0/1d,read:*=5/40d',
      RATE_LIMIT_SYNC_MS: '5',
    };
    let error: EnvError | undefined;
    try {
      parseEnv(rateLimitEnv, env);
    } catch (err) {
      error = err as EnvError;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = error!.problems.join('\n');
    expect(error!.problems).toHaveLength(7);
    for (const part of [
      'given twice',
      'unknown route class inference',
      'unknown role root',
      '"ingest:*=600" is not',
      'positive integer',
      'between 1s and 31d',
      'RATE_LIMIT_SYNC_MS',
    ])
      expect(problems).toContain(part);
  });

  it("when a limit names the console's static class, then it is refused: its files are public, with no subject to count", () => {
    expect(parsePolicies('static:*=100/60s').problems).toEqual([expect.stringContaining('no subject to count')]);
  });

  it('when the env sets nothing, then the defaults apply', () => {
    const env = parseEnv(rateLimitEnv, {});
    expect(env.RATE_LIMITS.get('infer:*')).toEqual({ limit: 600_000, windowMs: 60_000 });
    expect(env.RATE_QUOTAS.get('admin:*')).toEqual({ limit: 20_000, windowMs: 86_400_000 });
    expect(env.RATE_LIMIT_SYNC_MS).toBe(250);
    expect(env.STATE_STORE).toBe('statestore');
  });
});
