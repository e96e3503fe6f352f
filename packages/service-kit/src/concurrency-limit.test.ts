import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit, outcomeOf, releaseWhenAnswered, type LimitClock, type Permit } from './concurrency-limit.ts';
import { limitBoundsFrom, parseLimitBounds } from './limit-bounds.ts';

/** Time moves only when the test says so; timers fire as it passes them. */
class ManualClock implements LimitClock {
  ms = 0;
  private timers: { at: number; fn: () => void }[] = [];
  readonly now = () => this.ms;
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.ms + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
  advance(ms: number): void {
    this.ms += ms;
    const due = this.timers.filter((t) => t.at <= this.ms).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.ms);
    for (const t of due) t.fn();
  }
}

function setup(o: { min?: number; max?: number; initial?: number; queueTimeoutMs?: number; queueMax?: number } = {}) {
  const clock = new ManualClock();
  const changes: number[] = [];
  const limit = new ConcurrencyLimit({
    name: 'infer',
    bounds: { min: o.min ?? 4, max: o.max ?? 40, initial: o.initial ?? 10 },
    queueTimeoutMs: o.queueTimeoutMs ?? 20,
    queueMax: o.queueMax ?? 8,
    clock,
    onChange: (s) => changes.push(s.limit),
  });
  return { clock, limit, changes };
}

async function takeAll(limit: ConcurrencyLimit, n = limit.limit): Promise<Permit[]> {
  const permits = await Promise.all(Array.from({ length: n }, () => limit.acquire()));
  expect(permits.every(Boolean)).toBe(true);
  return permits as Permit[];
}

/** One round: fill the limit, let `latencyMs` pass, answer everything. */
async function round(s: ReturnType<typeof setup>, latencyMs: number): Promise<number> {
  const permits = await takeAll(s.limit);
  s.clock.advance(latencyMs);
  for (const p of permits) p.release('success');
  return s.limit.limit;
}

describe('the adaptive concurrency limit', () => {
  it('when latency stays at its minimum while the limit is used, then the limit grows to max and no further', async () => {
    const s = setup();
    const limits: number[] = [];
    for (let i = 0; i < 40; i++) limits.push(await round(s, 10));
    expect(limits[0]).toBeGreaterThan(10);
    expect(limits).toEqual([...limits].sort((a, b) => a - b));
    expect(limits.at(-1)).toBe(40);
    expect(s.changes.at(-1)).toBe(40);
  });

  it('when latency rises well above its minimum, then the limit shrinks, and never below min', async () => {
    const s = setup({ initial: 30 });
    await round(s, 10);
    const before = s.limit.limit;
    const limits: number[] = [];
    for (let i = 0; i < 30; i++) limits.push(await round(s, 100));
    expect(limits[0]).toBeLessThan(before);
    expect(limits).toEqual([...limits].sort((a, b) => b - a));
    expect(limits.at(-1)).toBe(4);
  });

  it('when latency stays within tolerance of its minimum, then the limit does not shrink', async () => {
    const s = setup({ initial: 20 });
    await round(s, 10);
    const before = s.limit.limit;
    expect(await round(s, 19)).toBeGreaterThanOrEqual(before);
  });

  it('when less than half the limit is in use, then fast answers do not raise it', async () => {
    const s = setup({ initial: 20 });
    for (let i = 0; i < 10; i++) {
      const [p] = await takeAll(s.limit, 1);
      s.clock.advance(10);
      p!.release('success');
    }
    expect(s.limit.limit).toBe(20);
  });

  it('when a higher latency lasts longer than two baseline windows, then it becomes the new minimum and the limit grows again', async () => {
    const s = setup({ initial: 30 });
    await round(s, 10);
    for (let i = 0; i < 5; i++) await round(s, 100);
    const shrunk = s.limit.limit;
    s.clock.advance(20_000);
    for (let i = 0; i < 5; i++) await round(s, 100);
    expect(s.limit.limit).toBeGreaterThan(shrunk);
  });

  it('when the work behind reports overload, then the limit backs off; with min = max it never moves', async () => {
    const s = setup({ initial: 20 });
    const [p] = await takeAll(s.limit, 1);
    p!.release('dropped');
    expect(s.limit.limit).toBe(18);
    const fixed = setup({ min: 8, max: 8, initial: 8 });
    for (let i = 0; i < 3; i++) await round(fixed, 10);
    for (let i = 0; i < 3; i++) await round(fixed, 500);
    const [q] = await takeAll(fixed.limit, 1);
    q!.release('dropped');
    expect(fixed.limit.limit).toBe(8);
    expect(fixed.changes).toEqual([]);
  });

  it('when a permit is released twice, then its slot is freed once', async () => {
    const s = setup({ min: 2, max: 2, initial: 2 });
    const [a] = await takeAll(s.limit, 2);
    a!.release('ignored');
    a!.release('ignored');
    expect(s.limit.snapshot()).toMatchObject({ inflight: 1 });
  });
});

describe('what the limit reports', () => {
  it('when the limit grows in small steps, then it reports each move by a tenth and reaching max, not every step', async () => {
    const s = setup({ min: 10, max: 100, initial: 10 });
    const steps = new Set<number>();
    while (s.limit.limit < 100) {
      const permits = await takeAll(s.limit);
      s.clock.advance(10);
      for (const p of permits) {
        p.release('success');
        steps.add(s.limit.limit);
      }
    }
    expect(s.changes.length).toBeGreaterThan(3);
    expect(s.changes.length).toBeLessThan(steps.size / 2);
    expect(s.changes.at(-1)).toBe(100);
    s.changes
      .slice(1, -1)
      .forEach((limit, i) => expect(limit - s.changes[i]!).toBeGreaterThanOrEqual(s.changes[i]! / 10));
  });

  it('when requests are shed, then it reports once when shedding starts, and again only after a report with no shedding since', async () => {
    const s = setup({ min: 1, max: 20, initial: 10, queueTimeoutMs: 0 });
    const permits = await takeAll(s.limit);
    for (let i = 0; i < 3; i++) expect(await s.limit.acquire()).toBeUndefined();
    expect(s.changes).toEqual([10]);
    permits[0]!.release('dropped');
    expect(await s.limit.acquire()).toBeUndefined();
    permits[1]!.release('dropped');
    expect(s.changes).toEqual([10, 9, 8]);
    permits[2]!.release('dropped');
    expect(await s.limit.acquire()).toBeUndefined();
    expect(s.changes).toEqual([10, 9, 8, 7, 7]);
  });
});

describe('the queue in front of the limit', () => {
  it('when every slot is taken, then a request waits and gets the first freed slot', async () => {
    const s = setup({ min: 2, max: 2, initial: 2 });
    const [a] = await takeAll(s.limit);
    const waiting = s.limit.acquire();
    expect(s.limit.snapshot()).toMatchObject({ inflight: 2, queued: 1 });
    s.clock.advance(5);
    a!.release('ignored');
    expect(await waiting).toBeDefined();
    expect(s.limit.snapshot()).toMatchObject({ inflight: 2, queued: 0, shed: 0 });
  });

  it('when no slot frees within the queue timeout, then the request is shed and counted', async () => {
    const s = setup({ min: 2, max: 2, initial: 2, queueTimeoutMs: 20 });
    await takeAll(s.limit);
    const waiting = s.limit.acquire();
    s.clock.advance(19);
    expect(s.limit.snapshot().queued).toBe(1);
    s.clock.advance(1);
    expect(await waiting).toBeUndefined();
    expect(s.limit.snapshot()).toMatchObject({ inflight: 2, queued: 0, shed: 1 });
  });

  it('when the queue is full or has no time, then the request is shed at once', async () => {
    const s = setup({ min: 1, max: 1, initial: 1, queueMax: 1 });
    await takeAll(s.limit);
    void s.limit.acquire();
    expect(await s.limit.acquire()).toBeUndefined();
    const none = setup({ min: 1, max: 1, initial: 1, queueTimeoutMs: 0 });
    await takeAll(none.limit);
    expect(await none.limit.acquire()).toBeUndefined();
    expect(none.limit.snapshot()).toMatchObject({ queued: 0, shed: 1 });
  });
});

describe('limit settings and outcomes', () => {
  it('when bounds are written as min..max@initial, a number or off, then they parse; anything else is a problem', () => {
    expect(parseLimitBounds('4..256@32')).toEqual({ min: 4, max: 256, initial: 32 });
    expect(parseLimitBounds('4..256')).toEqual({ min: 4, max: 256, initial: 4 });
    expect(parseLimitBounds(' 50 ')).toEqual({ min: 50, max: 50, initial: 50 });
    expect(parseLimitBounds('off')).toBe('off');
    for (const bad of ['0', '8..4', '4..8@9', '4..8@2', 'many', '-1..4'])
      expect(parseLimitBounds(bad)).toHaveProperty('problem');
    expect(limitBoundsFrom('1..2').safeParse('8..4').success).toBe(false);
  });

  it('when an answer is sent, then 2xx/3xx is a sample, overload statuses back off, and other refusals say nothing', () => {
    expect([200, 302, 400, 401, 429, 500, 503, 504].map((s) => outcomeOf(s))).toEqual([
      'success',
      'success',
      'ignored',
      'ignored',
      'ignored',
      'ignored',
      'dropped',
      'dropped',
    ]);
    expect(outcomeOf(429, [429])).toBe('dropped');
  });

  it('when the response finishes, then its slot is freed once with the outcome of its status; closed before, then at once', async () => {
    const s = setup({ initial: 20 });
    const fakeRes = (o: { closed: boolean; statusCode?: number }) =>
      Object.assign(new EventEmitter(), o) as unknown as ServerResponse;
    const res = fakeRes({ closed: false, statusCode: 503 });
    releaseWhenAnswered({ res, permit: (await s.limit.acquire())! });
    expect(s.limit.snapshot()).toMatchObject({ inflight: 1 });
    res.emit('finish');
    res.emit('close');
    expect(s.limit.snapshot()).toMatchObject({ inflight: 0, limit: 18 });
    releaseWhenAnswered({ res: fakeRes({ closed: true }), permit: (await s.limit.acquire())! });
    expect(s.limit.snapshot()).toMatchObject({ inflight: 0, limit: 18 });
  });
});
