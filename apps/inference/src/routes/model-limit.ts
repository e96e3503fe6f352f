import type { RequestHandler } from 'express';
import { AppError, releaseWhenAnswered, type ConcurrencyLimit } from '@meridian/service-kit';
import type { ModelLimits } from '../domain/model-limits.ts';
import type { ModelStore } from '../domain/model-store.ts';

/** A full batcher queue (429) and missed deadlines or failed publishes (503, 504) mean this model is overloaded. */
const OVERLOAD = [429, 503, 504];

type LimitDeps = { limits: ModelLimits; store: Pick<ModelStore, 'entry'> };

/** The model's limit; none for an unknown model (it passes on to its 404) or when models are not limited. */
const limitOf = (deps: LimitDeps, model: string) => (deps.store.entry(model) ? deps.limits.limitFor(model) : undefined);

function full(deps: LimitDeps, model: string, limit: ConcurrencyLimit): AppError {
  const retryAfter = String(deps.limits.retryAfterSeconds);
  return new AppError({
    code: 'TOO_MANY_REQUESTS',
    message: `model ${model} is at its limit of ${limit.limit} concurrent requests; retry after ${retryAfter} s`,
    headers: { 'retry-after': retryAfter },
  });
}

/**
 * Before infer and explain: a slot of the model's concurrency limit, held
 * until the answer is sent, or 429 with Retry-After once the model is full
 * and no slot frees within the short queue wait. An unknown model passes
 * on to its 404; metadata, readiness and health routes are never limited.
 */
export function limitPerModel(deps: LimitDeps): RequestHandler {
  return function shedPerModel(req, res, next) {
    const model = (req.params as { name: string }).name;
    const limit = limitOf(deps, model);
    if (!limit) {
      next();
      return;
    }
    limit.acquire().then((permit) => {
      if (!permit) {
        next(full(deps, model, limit));
        return;
      }
      releaseWhenAnswered({ res, permit, overload: OVERLOAD });
      next();
    }, next);
  };
}

/** The same limit around work that answers without an HTTP response (a gRPC call); a refusal is the same 429 error. */
export async function withModelSlot<T>(deps: LimitDeps, model: string, work: () => Promise<T>): Promise<T> {
  const limit = limitOf(deps, model);
  if (!limit) return work();
  const permit = await limit.acquire();
  if (!permit) throw full(deps, model, limit);
  try {
    const result = await work();
    permit.release('success');
    return result;
  } catch (err) {
    permit.release(err instanceof AppError && OVERLOAD.includes(err.status) ? 'dropped' : 'ignored');
    throw err;
  }
}
