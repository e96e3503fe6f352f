import {
  AUDIT_LIST_DEFAULT_LIMIT,
  AUDIT_LIST_MAX_DAYS,
  AUDIT_LIST_MAX_LIMIT,
  AuditEntry,
  type AuditListedEntry,
  type AuditListResponse,
} from '@meridian/contracts';
import { AppError, canonicalJson, rootLogger } from '@meridian/service-kit';
import { identityMask, type AuditStore, type Mask } from './ports.ts';

/** What the gateway knows of an admin request before forwarding it. */
export type AuditRequest = Omit<AuditEntry, 'at'>;

export interface AuditListOptions {
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
  subject?: string | undefined;
  action?: string | undefined;
}

const DAY_MS = 86_400_000;
const CAP = { fields: 16, items: 10, chars: 200, omitAbove: 2000, depth: 3 };

/**
 * Bounds a summary whatever produced it: a few fields, short strings, shallow
 * nesting. Long strings (artifacts, payloads) are replaced by their length.
 */
export function capSummary(summary: Record<string, unknown>): Record<string, unknown> {
  return cap(summary, 0) as Record<string, unknown>;
}

function cap(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    if (value.length <= CAP.chars) return value;
    return value.length > CAP.omitAbove
      ? `[${value.length} chars omitted]`
      : `${value.slice(0, CAP.chars)}… (${value.length} chars)`;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return undefined;
  if (depth >= CAP.depth) return Array.isArray(value) ? `[${value.length} items]` : '[object]';
  if (Array.isArray(value)) {
    const items = value.slice(0, CAP.items).map((v) => cap(v, depth + 1));
    return value.length > CAP.items ? [...items, `… ${value.length - CAP.items} more`] : items;
  }
  const fields = Object.entries(value);
  const out = Object.fromEntries(fields.slice(0, CAP.fields).map(([k, v]) => [k.slice(0, 64), cap(v, depth + 1)]));
  return fields.length > CAP.fields ? { ...out, '…': `${fields.length - CAP.fields} more fields` } : out;
}
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The fields that make two writes under one id the same request (a retry) rather than two actions. */
const sameRequest = (a: AuditEntry, b: AuditEntry) =>
  canonicalJson([a.subject, a.action, a.method, a.path, a.target, a.summary]) ===
  canonicalJson([b.subject, b.action, b.method, b.path, b.target, b.summary]);

/**
 * The audit log of admin actions: an entry written before the action is
 * forwarded (no entry, no action), then its outcome as a second record.
 * Records are first-write, so retrying a write never duplicates it.
 */
export class AuditLog {
  private readonly now: () => number;
  private readonly mask: Mask;

  constructor(private readonly opts: { store: AuditStore; mask?: Mask; now?: () => number; writeAttempts?: number }) {
    this.now = opts.now ?? Date.now;
    this.mask = opts.mask ?? identityMask;
  }

  /**
   * Writes the entry. Throws UNAVAILABLE when it cannot be written (the
   * action must then be refused) and CONFLICT when the id already belongs to
   * another request or to one that has finished.
   */
  async begin(request: AuditRequest): Promise<AuditEntry> {
    const masked = this.mask(capSummary(request.summary));
    const summary =
      masked && typeof masked === 'object' && !Array.isArray(masked)
        ? (masked as Record<string, unknown>)
        : { value: masked };
    // What we store is validated too: a bad entry is our bug (500), never silently written.
    const entry = AuditEntry.parse({ ...request, summary, at: new Date(this.now()).toISOString() });
    const result = await this.retry(
      () => this.opts.store.appendEntry(entry),
      `audit log: entry ${entry.id} could not be written; admin action refused`,
    );
    if (result === 'written') return entry;
    const [existing] = await this.retry(
      () => this.opts.store.read([entry.id]),
      `audit log: entry ${entry.id} could not be read back; admin action refused`,
    );
    if (existing && !existing.outcome && sameRequest(existing, entry)) {
      const { outcome: _pending, ...stored } = existing;
      return stored;
    }
    throw new AppError({
      code: 'CONFLICT',
      message: `request id ${entry.id} was already used for an admin action; send a new x-request-id`,
    });
  }

  /** Writes the outcome once the caller has its answer; failures are logged, never thrown (the answer is already sent). */
  async finish(o: { entry: AuditEntry; status: number }): Promise<void> {
    const at = this.now();
    const outcome = {
      entry_id: o.entry.id,
      at: new Date(at).toISOString(),
      status: o.status,
      ok: o.status < 400,
      duration_ms: Math.max(0, at - Date.parse(o.entry.at)),
    };
    try {
      await this.retry(() => this.opts.store.appendOutcome(outcome), 'audit outcome');
    } catch (err) {
      rootLogger().error({ err, audit_id: o.entry.id, status: o.status }, 'audit log: outcome could not be written');
    }
  }

  /** Entries newest first, joined with their outcomes, within [from, to] (default: the last 30 days). */
  async list(o: AuditListOptions = {}): Promise<AuditListResponse> {
    const toMs = o.to ? Date.parse(o.to) : this.now();
    const fromMs = o.from ? Date.parse(o.from) : toMs - 30 * DAY_MS;
    const limit = Math.min(Math.max(1, o.limit ?? AUDIT_LIST_DEFAULT_LIMIT), AUDIT_LIST_MAX_LIMIT);
    const days: string[] = [];
    for (let d = Date.parse(dayOf(toMs)); d >= Date.parse(dayOf(fromMs)); d -= DAY_MS) days.push(dayOf(d));
    if (days.length > AUDIT_LIST_MAX_DAYS)
      throw new AppError({
        code: 'BAD_REQUEST',
        message: `an audit listing covers at most ${AUDIT_LIST_MAX_DAYS} days; narrow from and to`,
      });
    const indexes = await this.opts.store.indexes(days);
    const found: AuditListedEntry[] = [];
    // Days newest first; a day is read whole because its index is only roughly in time order.
    for (const day of days) {
      const ids = [...new Set(indexes.get(day) ?? [])];
      if (!ids.length) continue;
      const entries = await this.opts.store.read(ids);
      found.push(
        ...entries.filter((e) => {
          const at = Date.parse(e.at);
          return (
            at >= fromMs &&
            at <= toMs &&
            (!o.subject || e.subject === o.subject) &&
            (!o.action || e.action === o.action)
          );
        }),
      );
      if (found.length >= limit) break;
    }
    found.sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id));
    return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), entries: found.slice(0, limit) };
  }

  /** One more attempt after a failure: the first may have landed, which first-write keys make harmless. */
  private async retry<T>(fn: () => Promise<T>, refusal: string): Promise<T> {
    const attempts = this.opts.writeAttempts ?? 2;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (cause) {
        if (attempt >= attempts)
          throw new AppError({ code: 'UNAVAILABLE', message: refusal, headers: { 'retry-after': '1' }, cause });
      }
    }
  }
}
