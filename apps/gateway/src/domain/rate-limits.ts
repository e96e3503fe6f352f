import { z } from 'zod';
import { Components, Role } from '@meridian/contracts';

/**
 * What a route costs is counted per class: predictions, reads, ingestion and admin operations are limited apart;
 * `static` is the console's public files (no subject: shed only), `stream` the live event streams (each open is
 * counted here; open streams are bounded by MAX_EVENT_STREAMS, never by a shedding slot held for hours).
 */
export const RouteClass = z.enum(['infer', 'read', 'ingest', 'admin', 'static', 'stream']);
export type RouteClass = z.infer<typeof RouteClass>;

/** At most `limit` requests per fixed window of `windowMs`, aligned to the epoch (a 1d window starts at 00:00 UTC). */
export interface Policy {
  limit: number;
  windowMs: number;
}

/** `class:role` (either may be `*`) → a policy, or 'off' for none. */
export type PolicyTable = ReadonlyMap<string, Policy | 'off'>;

export interface RateLimitConfig {
  /** Short windows: the request rate. */
  rates: PolicyTable;
  /** Long windows (e.g. a day) per subject and class, checked as well. */
  quotas: PolicyTable;
}

/**
 * Per subject, in 60 s windows: a benchmark client with a predict token may
 * send ~10k predictions/s, admins twice that. Reads are dashboards and
 * artifact downloads, ingestion is batches (each up to MAX_UPLOAD).
 */
export const DEFAULT_RATE_LIMITS =
  'infer:*=600000/60s,infer:admin=1200000/60s,read:*=60000/60s,ingest:*=6000/60s,admin:*=600/60s,stream:*=600/60s';
/** Per subject and UTC day: ~580 predictions/s sustained for a whole day, far above any dev or bench run. */
export const DEFAULT_RATE_QUOTAS =
  'infer:*=50000000/1d,infer:admin=200000000/1d,read:*=5000000/1d,ingest:*=1000000/1d,admin:*=20000/1d,stream:*=100000/1d';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const ENTRY = /^(\*|[a-z]+):(\*|[a-z][a-z0-9-]*)=(?:(off)|(\d+)\/(\d*)(s|m|h|d))$/;
const MAX_WINDOW_MS = 31 * UNIT_MS.d;

/**
 * Parses `class:role=count/window` entries joined by commas, e.g.
 * `infer:predict=6000/60s,infer:admin=12000/1m,ingest:*=600/60s,read:admin=off`,
 * or `off` for no limits at all. Units: s, m, h, d (`100/s` means per second).
 * Every problem is reported, not just the first.
 */
export function parsePolicies(text: string): { table: PolicyTable; problems: string[] } {
  const table = new Map<string, Policy | 'off'>();
  const problems: string[] = [];
  const trimmed = text.trim();
  if (trimmed === 'off') return { table, problems };
  if (!trimmed) return { table, problems: ['is empty; write "off" for no limits'] };
  for (const raw of trimmed.split(',')) {
    const entry = raw.trim();
    const m = ENTRY.exec(entry);
    if (!m) {
      problems.push(`"${entry}" is not class:role=count/window (e.g. infer:predict=6000/60s) or class:role=off`);
      continue;
    }
    const [, cls = '', role = '', off, count, amount, unit] = m;
    const key = `${cls}:${role}`;
    const before = problems.length;
    if (cls !== '*' && !RouteClass.safeParse(cls).success)
      problems.push(`"${entry}": unknown route class ${cls} (one of ${RouteClass.options.join(', ')} or *)`);
    if (cls === 'static')
      problems.push(`"${entry}": the console's files are public, with no subject to count; SHED_LIMITS bounds them`);
    if (role !== '*' && !Role.safeParse(role).success)
      problems.push(`"${entry}": unknown role ${role} (one of ${Role.options.join(', ')} or *)`);
    if (table.has(key)) problems.push(`"${entry}": ${key} is given twice`);
    const policy = off
      ? 'off'
      : { limit: Number(count), windowMs: Number(amount || '1') * UNIT_MS[unit as keyof typeof UNIT_MS] };
    if (policy !== 'off' && (policy.limit < 1 || !Number.isSafeInteger(policy.limit)))
      problems.push(`"${entry}": the count must be a positive integer`);
    if (policy !== 'off' && (policy.windowMs < 1000 || policy.windowMs > MAX_WINDOW_MS))
      problems.push(`"${entry}": the window must be between 1s and 31d`);
    if (problems.length === before) table.set(key, policy);
  }
  return { table, problems };
}

/** A zod schema turning the compact syntax into a table, with one issue per problem (so boot lists them all). */
export function policyTableFrom(defaultText: string) {
  return z
    .string()
    .default(defaultText)
    .transform((text, ctx): PolicyTable => {
      const { table, problems } = parsePolicies(text);
      for (const message of problems) ctx.addIssue({ code: 'custom', message });
      return table;
    });
}

/** Env variables for the limiter; spread into the gateway's env shape. */
export const rateLimitEnv = {
  /** Request rates per (route class, role); see parsePolicies for the syntax. */
  RATE_LIMITS: policyTableFrom(DEFAULT_RATE_LIMITS),
  /** Long-window quotas per (route class, role), same syntax. */
  RATE_QUOTAS: policyTableFrom(DEFAULT_RATE_QUOTAS),
  /** How often each replica adds its counts to the shared counters and reads them back. */
  RATE_LIMIT_SYNC_MS: z.coerce.number().int().min(50).max(10_000).default(250),
  /** The gateway sidecar's state store, for the shared counters and the audit log. */
  STATE_STORE: z.string().min(1).default(Components.state),
};

/** The policy for one role: class:role, then class:*, then *:role, then *:*. */
function policyFor(table: PolicyTable, o: { routeClass: RouteClass; role: string }): Policy | 'off' | undefined {
  return (
    table.get(`${o.routeClass}:${o.role}`) ??
    table.get(`${o.routeClass}:*`) ??
    table.get(`*:${o.role}`) ??
    table.get('*:*')
  );
}

/** Requests per millisecond, with the longer window winning a tie (it allows larger bursts). */
function moreGenerous(a: Policy, b: Policy): Policy {
  const ra = a.limit / a.windowMs;
  const rb = b.limit / b.windowMs;
  if (ra !== rb) return ra > rb ? a : b;
  return a.windowMs >= b.windowMs ? a : b;
}

/**
 * The most generous policy among the subject's roles for a class; undefined
 * when one of the roles is unlimited ('off') or none has a policy. A role
 * without a policy for the class grants nothing there (an ingest role does
 * not lift a predict limit); the defaults give every class a `class:*`.
 */
export function resolvePolicy(
  table: PolicyTable,
  o: { routeClass: RouteClass; roles: readonly string[] },
): Policy | undefined {
  let best: Policy | undefined;
  for (const role of o.roles.length ? o.roles : ['*']) {
    const p = policyFor(table, { routeClass: o.routeClass, role });
    if (p === 'off') return undefined;
    if (p) best = best ? moreGenerous(best, p) : p;
  }
  return best;
}

/** One line per table, for the boot log: `infer:* 600000/60s, read:admin off`. */
export function describePolicies(table: PolicyTable): string {
  if (!table.size) return 'off';
  return [...table].map(([key, p]) => `${key} ${p === 'off' ? 'off' : `${p.limit}/${p.windowMs / 1000}s`}`).join(', ');
}
