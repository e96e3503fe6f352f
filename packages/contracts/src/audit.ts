import { z } from 'zod';

/** The gateway's append-only log of admin actions: who did what, through which route, and how it ended. */

/** A request id: the caller's x-request-id when it looks like one, else one the gateway made. */
export const AuditId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits, ".", "_", ":" and "-", at most 128');

/** Names like `registry.stage` or `inference.unload`: an app, then what was done there. */
export const AuditAction = z
  .string()
  .max(128)
  .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'dotted lowercase words, e.g. registry.stage');

/** Written before the action is forwarded; subject and roles come from the verified token, never from the body. */
export const AuditEntry = z.object({
  id: AuditId,
  at: z.string().datetime(),
  subject: z.string().min(1),
  roles: z.array(z.string()),
  action: AuditAction,
  method: z.string().min(1),
  /** The path without its query, with repeated and trailing slashes removed. */
  path: z.string().min(1),
  /** The app the action is forwarded to. */
  target: z.string().min(1),
  /** A few capped, masked fields of the body (and query); never artifacts or large payloads. */
  summary: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Written after the upstream answered, as a second record; nothing is ever overwritten. */
export const AuditOutcome = z.object({
  entry_id: AuditId,
  at: z.string().datetime(),
  /** The status sent to the caller; 499 when the caller went away before an answer was sent. */
  status: z.number().int().min(100).max(599),
  ok: z.boolean(),
  duration_ms: z.number().nonnegative(),
});
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export const AuditListedEntry = AuditEntry.extend({ outcome: AuditOutcome.nullable() });
export type AuditListedEntry = z.infer<typeof AuditListedEntry>;

export const AUDIT_LIST_DEFAULT_LIMIT = 100;
export const AUDIT_LIST_MAX_LIMIT = 1000;
/** The longest span one listing may cover. */
export const AUDIT_LIST_MAX_DAYS = 92;

/** GET /v1/audit?from=&to=&limit=&subject=&action= */
export const AuditQuery = z
  .object({
    from: z.string().datetime({ offset: true }).optional(),
    to: z.string().datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(AUDIT_LIST_MAX_LIMIT).default(AUDIT_LIST_DEFAULT_LIMIT),
    subject: z.string().min(1).max(256).optional(),
    action: AuditAction.optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
    message: 'from must not be after to',
    path: ['from'],
  });
export type AuditQuery = z.infer<typeof AuditQuery>;

/** Newest first, each entry joined with its outcome (null while pending). */
export const AuditListResponse = z.object({
  from: z.string().datetime(),
  to: z.string().datetime(),
  entries: z.array(AuditListedEntry),
});
export type AuditListResponse = z.infer<typeof AuditListResponse>;
