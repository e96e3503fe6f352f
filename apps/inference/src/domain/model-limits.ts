import { z } from 'zod';
import { ConcurrencyLimit, limitBoundsFrom, type LimitClock, type LimitSnapshot } from '@meridian/service-kit';

/** Env variables for per-model load shedding; spread into the inference env shape. */
export const modelLimitEnv = {
  /**
   * Concurrent infer and explain requests per model, adaptive between min and
   * max (`min..max@initial`, `n` fixed, or `off`). The floor keeps dynamic
   * batching fed: a batch fills from requests in flight together.
   */
  SHED_MODEL_LIMIT: limitBoundsFrom('64..1024@128'),
  /** How long a request may wait for a slot of its model before it is shed. */
  SHED_QUEUE_MS: z.coerce.number().int().min(0).max(1000).default(20),
  /** Most requests waiting per model; past it they are shed at once. */
  SHED_QUEUE_MAX: z.coerce.number().int().min(0).max(100_000).default(64),
  /** Retry-After on a shed request, in seconds. */
  SHED_RETRY_AFTER_S: z.coerce.number().int().min(1).max(3600).default(1),
};
export type ModelLimitEnv = z.infer<z.ZodObject<typeof modelLimitEnv>>;

/**
 * One concurrency limit per model (all its versions share it: they share
 * the process's cores), made on the model's first request. Callers ask only
 * for models that are loaded, so unknown names make no limits.
 */
export class ModelLimits {
  readonly retryAfterSeconds: number;
  private readonly limits = new Map<string, ConcurrencyLimit>();

  /** `log` gets a line per model when its limit has moved by a tenth or reached a bound, and when shedding starts. */
  constructor(
    private readonly opts: { env: ModelLimitEnv; clock?: LimitClock; log?: (snapshot: LimitSnapshot) => void },
  ) {
    this.retryAfterSeconds = opts.env.SHED_RETRY_AFTER_S;
  }

  /** The model's limit; undefined when models are not limited. */
  limitFor(model: string): ConcurrencyLimit | undefined {
    const bounds = this.opts.env.SHED_MODEL_LIMIT;
    if (bounds === 'off') return undefined;
    let limit = this.limits.get(model);
    if (!limit) {
      limit = new ConcurrencyLimit({
        name: model,
        bounds,
        queueTimeoutMs: this.opts.env.SHED_QUEUE_MS,
        queueMax: this.opts.env.SHED_QUEUE_MAX,
        ...(this.opts.log ? { onChange: this.opts.log } : {}),
        ...(this.opts.clock ? { clock: this.opts.clock } : {}),
      });
      this.limits.set(model, limit);
    }
    return limit;
  }

  /** Limit, in flight, waiting and shed so far, per model that has had requests. */
  snapshot(): LimitSnapshot[] {
    return [...this.limits.values()].map((l) => l.snapshot());
  }
}
