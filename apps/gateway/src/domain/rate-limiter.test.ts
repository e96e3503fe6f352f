import { describe, expect, it, vi } from 'vitest';
import { FakeClock, MemoryStateStore, memoryCounterStore } from '../testing/fakes.ts';
import { overshootBound, RateLimiter } from './rate-limiter.ts';
import { parsePolicies, type RouteClass } from './rate-limits.ts';

const table = (text: string) => parsePolicies(text).table;
const silent = () => ({ warn: vi.fn(), info: vi.fn() });

function replica(o: {
  state: MemoryStateStore;
  clock: FakeClock;
  rates: string;
  quotas?: string;
  log?: ReturnType<typeof silent>;
}) {
  const log = o.log ?? silent();
  return new RateLimiter({
    config: { rates: table(o.rates), quotas: table(o.quotas ?? 'off') },
    store: memoryCounterStore(o.state),
    now: o.clock.now,
    log: () => log,
  });
}

const ask = (limiter: RateLimiter, o: { subject?: string; roles?: string[]; routeClass?: RouteClass } = {}) =>
  limiter.check({ routeClass: o.routeClass ?? 'infer', subject: o.subject ?? 'alice', roles: o.roles ?? ['predict'] });

function admitted(limiter: RateLimiter, n: number, o: { subject?: string } = {}): number {
  let allowed = 0;
  for (let i = 0; i < n; i++) if (ask(limiter, o)?.allowed) allowed++;
  return allowed;
}

describe('the rate limiter', () => {
  it('when one replica counts, then exactly the limit is allowed, synchronously and without a store call per request', () => {
    const state = new MemoryStateStore();
    const limiter = replica({ state, clock: new FakeClock(), rates: 'infer:*=5/60s' });
    const decisions = Array.from({ length: 7 }, () => ask(limiter)!);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(decisions.map((d) => d.binding.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(state.calls).toBe(0);
    expect(admitted(limiter, 5, { subject: 'bob' })).toBe(5);
  });

  it('when the limit is reached, then the refusal names the window and when it resets', () => {
    const clock = new FakeClock();
    const limiter = replica({ state: new MemoryStateStore(), clock, rates: 'infer:*=3/60s' });
    admitted(limiter, 3);
    clock.advance(45_500);
    expect(ask(limiter)).toMatchObject({
      allowed: false,
      binding: { kind: 'rate', limit: 3, windowSeconds: 60, remaining: 0, resetSeconds: 15 },
    });
  });

  it('when the window ends, then the count starts again', () => {
    const clock = new FakeClock();
    const limiter = replica({ state: new MemoryStateStore(), clock, rates: 'infer:*=3/10s' });
    expect(admitted(limiter, 5)).toBe(3);
    clock.advance(9_999);
    expect(ask(limiter)?.allowed).toBe(false);
    clock.advance(1);
    expect(admitted(limiter, 5)).toBe(3);
  });

  it('when a quota runs out, then requests are refused across rate windows until the quota window ends', () => {
    const clock = new FakeClock();
    const limiter = replica({ state: new MemoryStateStore(), clock, rates: 'infer:*=5/1s', quotas: 'infer:*=8/1d' });
    expect(admitted(limiter, 10)).toBe(5);
    expect(ask(limiter)?.binding.kind).toBe('rate');
    clock.advance(1000);
    expect(admitted(limiter, 10)).toBe(3);
    const refused = ask(limiter)!;
    expect(refused).toMatchObject({ allowed: false, binding: { kind: 'quota', limit: 8, windowSeconds: 86_400 } });
    expect(refused.limits.map((l) => [l.kind, l.remaining])).toEqual([
      ['rate', 2],
      ['quota', 0],
    ]);
    clock.advance(5000);
    expect(ask(limiter)?.allowed).toBe(false);
    clock.advance(86_400_000);
    expect(admitted(limiter, 10)).toBe(5);
  });

  it('when a subject has several roles, then it is counted once, under the most generous limit', () => {
    const limiter = replica({
      state: new MemoryStateStore(),
      clock: new FakeClock(),
      rates: 'infer:predict=3/60s,infer:admin=6/60s',
    });
    expect(admitted(limiter, 10)).toBe(3);
    let both = 0;
    for (let i = 0; i < 10; i++) if (ask(limiter, { subject: 'carol', roles: ['predict', 'admin'] })?.allowed) both++;
    expect(both).toBe(6);
  });

  it('when no limit applies to the roles, then there is no decision (and no counting)', () => {
    const limiter = replica({
      state: new MemoryStateStore(),
      clock: new FakeClock(),
      rates: 'infer:predict=3/60s,infer:admin=off',
    });
    expect(ask(limiter, { roles: ['admin'] })).toBeUndefined();
    expect(ask(limiter, { routeClass: 'read' })).toBeUndefined();
  });

  it('when another replica has used the limit, then this one refuses after its next sync', async () => {
    const state = new MemoryStateStore();
    const clock = new FakeClock();
    const [a, b] = [
      replica({ state, clock, rates: 'infer:*=10/60s' }),
      replica({ state, clock, rates: 'infer:*=10/60s' }),
    ];
    expect(admitted(a, 10)).toBe(10);
    await a.sync();
    expect(ask(b)?.allowed).toBe(true); // b has not heard of a's counts yet: this is the overshoot
    await b.sync();
    expect(ask(b)?.allowed).toBe(false);
    expect(state.values('ratelimit:rate:infer')).toEqual([{ count: 11 }]);
  });

  it('when two replicas share a store, then together they stay within the limit plus the documented overshoot', async () => {
    for (const syncTogether of [false, true]) {
      const state = new MemoryStateStore();
      const clock = new FakeClock();
      const rates = 'infer:*=5000/60s';
      const [a, b] = [replica({ state, clock, rates }), replica({ state, clock, rates })];
      let allowed = 0;
      // 10 s of a client sending 1000 requests/s to each replica; each syncs every 100 ms.
      for (let t = 0; t < 10_000; t++) {
        for (const r of [a, b]) if (ask(r)?.allowed) allowed++;
        if (syncTogether && t % 100 === 0) await Promise.all([a.sync(), b.sync()]);
        if (!syncTogether && t % 100 === 0) await a.sync();
        if (!syncTogether && t % 100 === 50) await b.sync();
        clock.advance(1);
      }
      expect(allowed).toBeGreaterThanOrEqual(5000);
      expect(allowed).toBeLessThanOrEqual(5000 + overshootBound({ replicas: 2, requestsPerSecond: 2000, syncMs: 100 }));
    }
  });

  it('when the store is unreachable, then each replica limits on its own counts, warns once, and sends them when it is back', async () => {
    const state = new MemoryStateStore();
    const clock = new FakeClock();
    const log = silent();
    const a = replica({ state, clock, rates: 'infer:*=10/60s', log });
    state.down = true;
    expect(admitted(a, 4)).toBe(4);
    await a.sync();
    await a.sync();
    expect(a.degraded).toBe(true);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(admitted(a, 10)).toBe(6);
    state.down = false;
    await a.sync();
    expect(a.degraded).toBe(false);
    expect(log.info).toHaveBeenCalledTimes(1);
    expect(state.values('ratelimit:rate:infer')).toEqual([{ count: 10 }]);
  });

  it('when the store stays contended, then the counts are kept for the next sync', async () => {
    const state = new MemoryStateStore();
    const a = replica({ state, clock: new FakeClock(), rates: 'infer:*=10/60s' });
    admitted(a, 3);
    state.conflicts = 100;
    await a.sync();
    expect(a.degraded).toBe(true);
    state.conflicts = 0;
    await a.sync();
    expect(state.values('ratelimit:rate:infer')).toEqual([{ count: 3 }]);
  });

  it('when a window has passed, then its shared key expires with a TTL', async () => {
    const clock = new FakeClock();
    const state = new MemoryStateStore(clock);
    const a = replica({ state, clock, rates: 'infer:*=10/60s' });
    admitted(a, 1);
    await a.sync();
    expect(state.values('ratelimit:')).toHaveLength(1);
    clock.advance(60_000 + 61_000);
    expect(
      await state.getState({ store: 'statestore', key: [...state.data.keys()][0]!.replace('statestore/', '') }),
    ).toEqual({ value: undefined, etag: undefined });
  });
});
