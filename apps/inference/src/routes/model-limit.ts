import type { RequestHandler } from 'express';
import { AppError, releaseWhenAnswered } from '@meridian/service-kit';
import type { ModelLimits } from '../domain/model-limits.ts';
import type { ModelStore } from '../domain/model-store.ts';

/** A full batcher queue (429) and missed deadlines or failed publishes (503, 504) mean this model is overloaded. */
const OVERLOAD = [429, 503, 504];

/**
 * Before infer and explain: a slot of the model's concurrency limit, held
 * until the answer is sent, or 429 with Retry-After once the model is full
 * and no slot frees within the short queue wait. An unknown model passes
 * on to its 404; metadata, readiness and health routes are never limited.
 */
export function limitPerModel(deps: { limits: ModelLimits; store: Pick<ModelStore, 'entry'> }): RequestHandler {
  const retryAfter = String(deps.limits.retryAfterSeconds);
  return function shedPerModel(req, res, next) {
    const model = (req.params as { name: string }).name;
    const limit = deps.store.entry(model) ? deps.limits.limitFor(model) : undefined;
    if (!limit) {
      next();
      return;
    }
    limit.acquire().then((permit) => {
      if (!permit) {
        next(
          new AppError({
            code: 'TOO_MANY_REQUESTS',
            message: `model ${model} is at its limit of ${limit.limit} concurrent requests; retry after ${retryAfter} s`,
            headers: { 'retry-after': retryAfter },
          }),
        );
        return;
      }
      releaseWhenAnswered({ res, permit, overload: OVERLOAD });
      next();
    }, next);
  };
}
