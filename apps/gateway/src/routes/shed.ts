import type { RequestHandler } from 'express';
import { AppError, releaseWhenAnswered } from '@meridian/service-kit';
import type { RouteClass } from '../domain/rate-limits.ts';
import type { Shedding } from '../domain/shedding.ts';

/**
 * The first step of a route: a slot of the route class's concurrency limit,
 * held until the answer is sent, or 429 with Retry-After once the class is
 * full and no slot frees within the short queue wait. It runs before
 * authentication so that refusing costs next to nothing; a refused token
 * gives its slot back at once and is no latency sample.
 *
 * Shed requests get 429, not 503: the edge is saturated for this class and
 * the caller's remedy is to slow down. 503 stays the answer for an app that
 * is down or failing (forward.ts). Upstream 503/504 shrink the limit.
 */
export function shed(opts: { shedding: Pick<Shedding, 'limitFor' | 'retryAfterSeconds'>; routeClass: RouteClass }): RequestHandler {
  const limit = opts.shedding.limitFor(opts.routeClass);
  if (!limit) return function notLimited(_req, _res, next) { next(); };
  const retryAfter = String(opts.shedding.retryAfterSeconds);
  return function shedWhenSaturated(_req, res, next) {
    limit.acquire().then((permit) => {
      if (!permit) {
        next(new AppError({
          code: 'TOO_MANY_REQUESTS',
          message: `the gateway is at its limit of ${limit.limit} concurrent ${opts.routeClass} requests; retry after ${retryAfter} s`,
          headers: { 'retry-after': retryAfter },
        }));
        return;
      }
      releaseWhenAnswered({ res, permit });
      next();
    }, next);
  };
}
