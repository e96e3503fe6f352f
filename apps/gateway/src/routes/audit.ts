import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AuditAction, AuditId, AuditListResponse, AuditQuery } from '@meridian/contracts';
import { parseOrThrow } from '@meridian/service-kit';
import type { AuditLog } from '../domain/audit-log.ts';

/** Fields of a body that are payloads rather than a description of the action. */
const PAYLOAD_FIELDS = new Set(['artifact', 'data', 'records', 'inputs', 'rows', 'features']);

/** The body's descriptive fields (and the query, when there is one); audit-log caps whatever comes out. */
export function defaultSummary(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  const fields =
    body && typeof body === 'object' && !Array.isArray(body)
      ? Object.fromEntries(Object.entries(body).filter(([k]) => !PAYLOAD_FIELDS.has(k)))
      : {};
  const query = req.query && Object.keys(req.query).length ? { query: { ...req.query } } : {};
  return { ...fields, ...query };
}

/** The caller's x-request-id when it is a usable id, else a new one (sent back, so the caller can find the entry). */
function requestId(req: Request, res: Response): string {
  const given: unknown = res.locals.requestId ?? req.header('x-request-id');
  const id = AuditId.safeParse(given).success ? (given as string) : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/**
 * Records an admin action in the audit log: runs after authentication and
 * before forwarding. The entry is written first, and the action is refused
 * (503) when it cannot be; the outcome is written after the answer is sent.
 */
export function auditAction(opts: {
  audit: Pick<AuditLog, 'begin' | 'finish'>;
  action: string;
  target: string;
  summarize?: (req: Request) => Record<string, unknown>;
}): RequestHandler {
  // A misspelt action name is a wiring bug: fail at boot, not on the first admin request.
  AuditAction.parse(opts.action);
  return async function auditAdminAction(req, res, next) {
    try {
      const subject: unknown = res.locals.subject;
      if (typeof subject !== 'string' || !subject)
        throw new Error('audit: no verified subject (the audit must run after authentication)');
      // The canonical path the edge router matched (it refused any other spelling), not the caller's raw URL.
      const path: unknown = res.locals.path;
      if (typeof path !== 'string') throw new Error('audit: no matched path (the audit must run after routing)');
      const roles: unknown = res.locals.roles;
      const entry = await opts.audit.begin({
        id: requestId(req, res),
        subject,
        roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
        action: opts.action,
        method: req.method,
        path,
        target: opts.target,
        summary: (opts.summarize ?? defaultSummary)(req),
        ip: req.ip ?? req.socket.remoteAddress ?? null,
      });
      let recorded = false;
      const record = (status: number) => {
        if (recorded) return;
        recorded = true;
        void opts.audit.finish({ entry, status });
      };
      res.once('finish', () => record(res.statusCode));
      // The caller went away before the answer was sent; the upstream may still have acted.
      res.once('close', () => record(res.writableFinished ? res.statusCode : 499));
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** GET /v1/audit?from=&to=&limit=&subject=&action= — entries newest first with their outcomes. */
export function auditList(opts: { audit: Pick<AuditLog, 'list'> }): RequestHandler {
  return async function listAuditEntries(req, res, next) {
    try {
      const query = parseOrThrow(AuditQuery, req.query, 'audit query');
      const page = await opts.audit.list(query);
      res.json(AuditListResponse.parse(page));
    } catch (err) {
      next(err);
    }
  };
}
