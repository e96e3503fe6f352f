import { createHash } from 'node:crypto';
import { chunksOf, rootLogger } from '@meridian/service-kit';
import type { CounterStore } from './ports.ts';
import { resolvePolicy, type Policy, type RateLimitConfig, type RouteClass } from './rate-limits.ts';

export type LimitKind = 'rate' | 'quota';

type Log = Pick<ReturnType<typeof rootLogger>, 'warn' | 'info'>;

export interface LimitState {
  kind: LimitKind;
  limit: number;
  windowSeconds: number;
  /** Requests left in this window after this one. */
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Rate first, then quota. */
  limits: LimitState[];
  /** The limit the RateLimit-* headers describe: the one refused, else the one with the fewest requests left. */
  binding: LimitState;
}

interface Counter {
  key: string;
  windowStart: number;
  windowMs: number;
  /** The shared total as last read back; it includes what this replica flushed. */
  shared: number;
  /** Counted here, not yet sent to the store. */
  pending: number;
  /** Sent, not yet acknowledged. */
  inflight: number;
}

const SYNC_BATCH = 32;

/**
 * Fixed-window limits per (route class, subject), shared by all replicas
 * without a store round trip per request. Each replica counts exactly and
 * synchronously; every `syncMs` it adds its new counts to one shared counter
 * per (class, subject, window start) and reads the total back, and decides on
 * (last shared total + its own unsent counts). If the store fails, it keeps
 * deciding on its own counts alone and sends them once the store is back.
 *
 * Overshoot: a replica learns of another's counts within two sync intervals
 * plus two store round trips, so a subject sending ρ requests/s in total can
 * get at most about 2 × ρ × (syncMs + round trip) requests past a limit
 * (see overshootBound); and as no replica alone admits more than the limit,
 * never more than replicas × limit, which is also the bound while the store
 * is down. Windows follow each replica's clock: skew moves their edges.
 */
export class RateLimiter {
  private readonly counters = new Map<string, Counter>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly opts: {
      config: RateLimitConfig;
      store: CounterStore;
      syncMs?: number;
      now?: () => number;
      log?: () => Log;
    },
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Decides one request and, when allowed, counts it; undefined when no limit applies to the subject's roles. */
  check(o: { routeClass: RouteClass; subject: string; roles: readonly string[] }): RateDecision | undefined {
    const now = this.now();
    const policies = (
      [
        ['rate', this.opts.config.rates],
        ['quota', this.opts.config.quotas],
      ] as const
    ).flatMap(([kind, table]) => {
      const policy = resolvePolicy(table, o);
      return policy
        ? [{ kind, policy, counter: this.counter({ kind, policy, routeClass: o.routeClass, subject: o.subject, now }) }]
        : [];
    });
    if (!policies.length) return undefined;
    const allowed = policies.every(({ policy, counter }) => used(counter) < policy.limit);
    if (allowed) for (const { counter } of policies) counter.pending += 1;
    const limits = policies.map(
      ({ kind, policy, counter }): LimitState => ({
        kind,
        limit: policy.limit,
        windowSeconds: policy.windowMs / 1000,
        remaining: Math.max(0, policy.limit - used(counter)),
        resetSeconds: Math.max(1, Math.ceil((counter.windowStart + counter.windowMs - now) / 1000)),
      }),
    );
    const refused = limits.filter((l) => l.remaining === 0 && !allowed);
    const binding = refused.length
      ? refused.reduce((a, b) => (b.resetSeconds > a.resetSeconds ? b : a))
      : limits.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    return { allowed, limits, binding };
  }

  /** Sends the counts of this replica to the shared counters and reads the totals back; never throws. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.sync(), this.opts.syncMs ?? 250);
    this.timer.unref();
  }

  /** Stops syncing after sending what was counted. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sync();
    // A sync already running when stop was called may have missed the last counts.
    await this.sync();
  }

  /** True while the shared store cannot be reached (limits are then per replica). */
  get degraded(): boolean {
    return this.failing;
  }

  private counter(o: {
    kind: LimitKind;
    policy: Policy;
    routeClass: RouteClass;
    subject: string;
    now: number;
  }): Counter {
    const { windowMs } = o.policy;
    const windowStart = Math.floor(o.now / windowMs) * windowMs;
    const id = `${o.kind}:${o.routeClass}:${windowMs}:${subjectKey(o.subject)}`;
    const current = this.counters.get(id);
    if (current?.windowStart === windowStart) return current;
    const fresh: Counter = {
      key: `ratelimit:${id}:${windowStart}`,
      windowStart,
      windowMs,
      shared: 0,
      pending: 0,
      inflight: 0,
    };
    this.counters.set(id, fresh);
    return fresh;
  }

  private async syncOnce(): Promise<void> {
    const now = this.now();
    const due: Counter[] = [];
    for (const [id, c] of this.counters) {
      if (c.windowStart + c.windowMs <= now) this.counters.delete(id);
      else if (c.pending > 0) due.push(c);
    }
    let firstError: unknown;
    for (const batch of chunksOf(due, SYNC_BATCH)) {
      await Promise.all(
        batch.map(async (c) => {
          const delta = c.pending;
          c.pending = 0;
          c.inflight += delta;
          try {
            const ttlSeconds = Math.ceil((c.windowStart + c.windowMs - now) / 1000) + 60;
            c.shared = Math.max(c.shared, await this.opts.store.add({ key: c.key, delta, ttlSeconds }));
          } catch (err) {
            c.pending += delta;
            firstError ??= err;
          } finally {
            c.inflight -= delta;
          }
        }),
      );
    }
    this.report(firstError, due.length);
  }

  private report(err: unknown, counters: number): void {
    const log = (this.opts.log ?? rootLogger)();
    if (err && !this.failing)
      log.warn({ err, counters }, 'rate limit store unreachable: limiting per replica until it is back');
    else if (!err && this.failing && counters > 0)
      log.info('rate limit store reachable again: limits are shared across replicas');
    if (err || counters > 0) this.failing = Boolean(err);
  }
}

function used(c: Counter): number {
  return c.shared + c.pending + c.inflight;
}

/** Subjects become state keys: separators escaped, long ones hashed. */
function subjectKey(subject: string): string {
  const encoded = encodeURIComponent(subject);
  return encoded.length <= 128 ? encoded : `sha256-${createHash('sha256').update(subject).digest('base64url')}`;
}

/**
 * The most a subject can get past a limit across replicas: requests it
 * sends while a replica has not yet learned the others' counts (two sync
 * intervals plus two store round trips), plus one per replica.
 */
export function overshootBound(o: {
  replicas: number;
  requestsPerSecond: number;
  syncMs: number;
  storeRoundTripMs?: number;
}): number {
  if (o.replicas <= 1) return 0;
  return Math.ceil((2 * o.requestsPerSecond * (o.syncMs + (o.storeRoundTripMs ?? 0))) / 1000) + o.replicas;
}
