import { describe, expect, it } from 'vitest';
import { parseEnv, type LimitSnapshot } from '@meridian/service-kit';
import { parseSheddingLimits, Shedding, sheddingEnv, DEFAULT_SHED_LIMITS } from './shedding.ts';

const env = (vars: Record<string, string> = {}) => parseEnv(sheddingEnv, vars);

describe('shedding settings', () => {
  it('when SHED_LIMITS names classes with bounds, a fixed number or off, then each class gets its own limit and unnamed classes none', () => {
    const { table, problems } = parseSheddingLimits('infer=8..64@16, read=32, admin=off');
    expect(problems).toEqual([]);
    expect(Object.fromEntries(table)).toEqual({
      infer: { min: 8, max: 64, initial: 16 },
      read: { min: 32, max: 32, initial: 32 },
      admin: 'off',
    });
    const shedding = new Shedding({ env: env({ SHED_LIMITS: 'infer=8..64@16,read=32,admin=off' }) });
    expect(shedding.snapshot().map((s) => [s.name, s.limit])).toEqual([
      ['infer', 16],
      ['read', 32],
    ]);
    expect(shedding.limitFor('admin')).toBeUndefined();
    expect(shedding.limitFor('ingest')).toBeUndefined();
  });

  it('when the defaults are used, then every class but stream is limited and infer starts above its floor', () => {
    const shedding = new Shedding({ env: env() });
    expect(parseSheddingLimits(DEFAULT_SHED_LIMITS).problems).toEqual([]);
    expect(
      shedding
        .snapshot()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['admin', 'infer', 'ingest', 'read', 'static']);
    expect(shedding.limitFor('stream')).toBeUndefined();
    expect(shedding.retryAfterSeconds).toBe(1);
    expect(env()).toMatchObject({ SHED_QUEUE_MS: 20, SHED_QUEUE_MAX: 64 });
  });

  it('when SHED_LIMITS is wrong in several places, then boot reports every problem', () => {
    expect(parseSheddingLimits('bulk=4,infer=0,read=8..4,read=4,admin').problems).toHaveLength(4);
    // A slot would be held for a stream's whole life.
    expect(parseSheddingLimits('stream=100').problems).toEqual([expect.stringContaining('MAX_EVENT_STREAMS')]);
    expect(() => env({ SHED_LIMITS: 'infer=many', SHED_QUEUE_MS: '-1' })).toThrow(/SHED_LIMITS[\s\S]*SHED_QUEUE_MS/);
  });
});

describe('shedding logs', () => {
  it('when a class starts shedding, then one line names it with its limit, in flight and shed counts, not one per shed request', async () => {
    const lines: LimitSnapshot[] = [];
    const shedding = new Shedding({
      env: env({ SHED_LIMITS: 'infer=1,read=4', SHED_QUEUE_MS: '0' }),
      log: (s) => lines.push(s),
    });
    const limit = shedding.limitFor('infer')!;
    const permit = await limit.acquire();
    for (let i = 0; i < 3; i++) expect(await limit.acquire()).toBeUndefined();
    permit!.release('ignored');
    expect(lines).toEqual([{ name: 'infer', limit: 1, inflight: 1, queued: 0, shed: 1 }]);
  });
});
