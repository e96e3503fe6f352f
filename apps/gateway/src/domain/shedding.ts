import { z } from 'zod';
import {
  ConcurrencyLimit,
  parseLimitBounds,
  type LimitBounds,
  type LimitClock,
  type LimitSnapshot,
} from '@meridian/service-kit';
import { RouteClass } from './rate-limits.ts';

/**
 * Requests in flight per route class: predictions may not crowd out reads.
 * The floors keep dynamic batching fed (a batch fills from concurrent
 * requests) and cover what one client legitimately keeps in flight.
 */
export const DEFAULT_SHED_LIMITS =
  'infer=64..1024@128,read=64..1024@256,ingest=16..256@32,admin=8..64@16,static=16..256@64';

export type SheddingTable = ReadonlyMap<RouteClass, LimitBounds | 'off'>;

/** `class=min..max@initial` (or `=n` fixed, `=off`) joined by commas; a class not named is not limited. Every problem is reported. */
export function parseSheddingLimits(text: string): { table: SheddingTable; problems: string[] } {
  const table = new Map<RouteClass, LimitBounds | 'off'>();
  const problems: string[] = [];
  if (text.trim() === 'off') return { table, problems };
  for (const raw of text.split(',')) {
    const [name = '', value, ...rest] = raw.trim().split('=');
    const routeClass = RouteClass.safeParse(name.trim());
    if (!routeClass.success || value === undefined || rest.length) {
      problems.push(
        `"${raw.trim()}" is not class=min..max@initial with a class among ${RouteClass.options.join(', ')}`,
      );
      continue;
    }
    if (table.has(routeClass.data)) problems.push(`"${raw.trim()}": ${routeClass.data} is given twice`);
    // A slot is held until the answer ends, which for an event stream is hours: streams have their own bound.
    if (routeClass.data === 'stream')
      problems.push(`"${raw.trim()}": event streams are bounded by MAX_EVENT_STREAMS, not shed`);
    const bounds = parseLimitBounds(value);
    if (typeof bounds === 'object' && 'problem' in bounds) problems.push(`${routeClass.data}: ${bounds.problem}`);
    else table.set(routeClass.data, bounds);
  }
  return { table, problems };
}

/** Env variables for load shedding; spread into the gateway's env shape. */
export const sheddingEnv = {
  /** Concurrency limit per route class, adaptive between min and max; see parseSheddingLimits. */
  SHED_LIMITS: z
    .string()
    .default(DEFAULT_SHED_LIMITS)
    .transform((text, ctx): SheddingTable => {
      const { table, problems } = parseSheddingLimits(text);
      for (const message of problems) ctx.addIssue({ code: 'custom', message });
      return table;
    }),
  /** How long a request may wait for a slot of its class before it is shed. */
  SHED_QUEUE_MS: z.coerce.number().int().min(0).max(1000).default(20),
  /** Most requests waiting per class; past it they are shed at once. */
  SHED_QUEUE_MAX: z.coerce.number().int().min(0).max(100_000).default(64),
  /** Retry-After on a shed request, in seconds. */
  SHED_RETRY_AFTER_S: z.coerce.number().int().min(1).max(3600).default(1),
};
export type SheddingEnv = z.infer<z.ZodObject<typeof sheddingEnv>>;

/** One concurrency limit per route class, from the env. */
export class Shedding {
  readonly retryAfterSeconds: number;
  private readonly limits = new Map<RouteClass, ConcurrencyLimit>();

  /** `log` gets a line per class when its limit has moved by a tenth or reached a bound, and when shedding starts. */
  constructor(opts: { env: SheddingEnv; clock?: LimitClock; log?: (snapshot: LimitSnapshot) => void }) {
    this.retryAfterSeconds = opts.env.SHED_RETRY_AFTER_S;
    for (const [routeClass, bounds] of opts.env.SHED_LIMITS) {
      if (bounds === 'off') continue;
      this.limits.set(
        routeClass,
        new ConcurrencyLimit({
          name: routeClass,
          bounds,
          queueTimeoutMs: opts.env.SHED_QUEUE_MS,
          queueMax: opts.env.SHED_QUEUE_MAX,
          ...(opts.log ? { onChange: opts.log } : {}),
          ...(opts.clock ? { clock: opts.clock } : {}),
        }),
      );
    }
  }

  /** The class's limit; undefined when the class is not limited. */
  limitFor(routeClass: RouteClass): ConcurrencyLimit | undefined {
    return this.limits.get(routeClass);
  }

  /** Limit, in flight, waiting and shed so far, per limited class. */
  snapshot(): LimitSnapshot[] {
    return [...this.limits.values()].map((l) => l.snapshot());
  }
}
