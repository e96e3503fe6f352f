import type { RequestHandler } from 'express';
import { AppError } from '@meridian/service-kit';
import type { RateDecision, RateLimiter } from '../domain/rate-limiter.ts';
import type { RouteClass } from '../domain/rate-limits.ts';

/**
 * The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers,
 * delta-seconds form): Limit/Remaining/Reset describe the limit closest to
 * running out; Policy lists every limit that applies.
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  const { binding, limits } = decision;
  return {
    'RateLimit-Limit': String(binding.limit),
    'RateLimit-Remaining': String(binding.remaining),
    'RateLimit-Reset': String(binding.resetSeconds),
    'RateLimit-Policy': limits.map((l) => `${l.limit};w=${l.windowSeconds}`).join(', '),
  };
}

const roleList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((r): r is string => typeof r === 'string') : [];

/**
 * Limits a route class per token subject; runs after authentication, which
 * sets `res.locals.subject` and `res.locals.roles`. Answers 429 with
 * Retry-After when the rate or the quota is used up.
 */
export function rateLimit(opts: { limiter: Pick<RateLimiter, 'check'>; routeClass: RouteClass }): RequestHandler {
  return function rateLimitBySubject(_req, res, next) {
    const subject: unknown = res.locals.subject;
    if (typeof subject !== 'string' || !subject) {
      next(
        new AppError({
          code: 'INTERNAL',
          message: 'rate limit: no verified subject (the limiter must run after authentication)',
        }),
      );
      return;
    }
    const decision = opts.limiter.check({ routeClass: opts.routeClass, subject, roles: roleList(res.locals.roles) });
    if (!decision) {
      next();
      return;
    }
    const headers = rateLimitHeaders(decision);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (decision.allowed) {
      next();
      return;
    }
    const { kind, limit, windowSeconds, resetSeconds } = decision.binding;
    next(
      new AppError({
        code: 'TOO_MANY_REQUESTS',
        message: `${kind === 'rate' ? 'rate limit' : 'quota'} of ${limit} requests per ${windowSeconds} s for ${opts.routeClass} exceeded`,
        headers: { ...headers, 'Retry-After': String(resetSeconds) },
      }),
    );
  };
}
