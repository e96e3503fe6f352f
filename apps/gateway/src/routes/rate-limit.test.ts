import express from 'express';
import { serveInProcess } from '@meridian/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, errorHandler } from '@meridian/service-kit';
import { RateLimiter } from '../domain/rate-limiter.ts';
import { parsePolicies } from '../domain/rate-limits.ts';
import { FakeClock, MemoryStateStore, memoryCounterStore } from '../testing/fakes.ts';
import { rateLimit } from './rate-limit.ts';

createLogger({ name: 'test', level: 'silent' });
const clock = new FakeClock(Date.parse('2026-12-01T10:00:00.000Z'));
const limiter = new RateLimiter({
  config: {
    rates: parsePolicies('infer:predict=3/60s,infer:admin=off,read:*=100/60s').table,
    quotas: parsePolicies('infer:*=1000/1d').table,
  },
  store: memoryCounterStore(new MemoryStateStore(clock)),
  now: clock.now,
});

// Stands in for authentication: the verified subject and roles, from test headers.
const app = express();
app.use(function fakeAuth(req, res, next) {
  res.locals.subject = req.header('x-test-subject');
  res.locals.roles = (req.header('x-test-roles') ?? 'predict').split(',');
  next();
});
app.post('/v2/models/m/infer', rateLimit({ limiter, routeClass: 'infer' }), (_req, res) => void res.json({ ok: true }));
app.use(errorHandler);

const served = await serveInProcess(app);
const base = served.base;
afterAll(() => served.close());

const infer = (subject: string | undefined, roles = 'predict') =>
  fetch(`${base}/v2/models/m/infer`, {
    method: 'POST',
    headers: { ...(subject ? { 'x-test-subject': subject } : {}), 'x-test-roles': roles },
  });

describe('the rateLimit middleware', () => {
  it('when requests are allowed, then they carry the RateLimit headers', async () => {
    clock.advance(20_000);
    const res = await infer('dana');
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe('3');
    expect(res.headers.get('ratelimit-remaining')).toBe('2');
    expect(res.headers.get('ratelimit-reset')).toBe('40');
    expect(res.headers.get('ratelimit-policy')).toBe('3;w=60, 1000;w=86400');
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('when the limit is passed, then the answer is a 429 problem naming the limit, with Retry-After', async () => {
    expect((await infer('dana')).status).toBe(200);
    const last = await infer('dana');
    expect(last.status).toBe(200);
    expect(last.headers.get('ratelimit-remaining')).toBe('0');
    const refused = await infer('dana');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('40');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-reset')).toBe('40');
    expect(await refused.json()).toMatchObject({
      status: 429,
      code: 'TOO_MANY_REQUESTS',
      detail: 'rate limit of 3 requests per 60 s for infer exceeded',
    });
  });

  it('when another subject calls, then it has its own count', async () => {
    expect((await infer('erin')).status).toBe(200);
  });

  it('when a role has no rate limit, then only the quota applies and the headers describe it', async () => {
    const res = await infer('dana', 'predict,admin');
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe('1000');
    expect(res.headers.get('ratelimit-policy')).toBe('1000;w=86400');
  });

  it('when the window resets, then the subject is allowed again', async () => {
    clock.advance(40_000);
    expect((await infer('dana')).status).toBe(200);
  });

  it('when no verified subject is set, then the wiring bug is a 500, not an unlimited request', async () => {
    expect((await infer(undefined)).status).toBe(500);
  });
});
