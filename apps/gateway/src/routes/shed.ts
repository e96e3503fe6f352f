import type { Request, RequestHandler } from 'express';
import { AppError, releaseWhenAnswered } from '@meridian/service-kit';
import type { RouteClass } from '../domain/rate-limits.ts';
import type { Shedding } from '../domain/shedding.ts';

/**
 * Before anything else, even reading the body: a slot of the route class's
 * concurrency limit, held until the answer is sent, or 429 with Retry-After
 * once the class is full and no slot frees within the short queue wait, so
 * refusing costs next to nothing; a refused token gives its slot back at
 * once and is no latency sample.
 *
 * Shed requests get 429, not 503: the edge is saturated for this class and
 * the caller's remedy is to slow down. 503 stays the answer for an app that
 * is down or failing (forward.ts). Upstream 503/504 shrink the limit.
 */
export function shed(opts: {
  shedding: Pick<Shedding, 'limitFor' | 'retryAfterSeconds'>;
  classOf: (req: Request) => RouteClass | undefined;
}): RequestHandler {
  const retryAfter = String(opts.shedding.retryAfterSeconds);
  return function shedWhenSaturated(req, res, next) {
    // A request no route takes is refused by the router; it holds no slot.
    const routeClass = opts.classOf(req);
    const limit = routeClass && opts.shedding.limitFor(routeClass);
    if (!limit) return next();
    limit.acquire().then((permit) => {
      if (!permit) {
        next(
          new AppError({
            code: 'TOO_MANY_REQUESTS',
            message: `the gateway is at its limit of ${limit.limit} concurrent ${routeClass} requests; retry after ${retryAfter} s`,
            headers: { 'retry-after': retryAfter },
          }),
        );
        return;
      }
      releaseWhenAnswered({ res, permit });
      next();
    }, next);
  };
}
