import type { Request } from 'express';
import { ROLES_HEADER, Role, SUBJECT_HEADER } from '@meridian/contracts';

/** Set by the calling app's sidecar from its mTLS identity; an app cannot choose it. */
export const CALLER_APP_HEADER = 'dapr-caller-app-id';
export const EDGE_APP_ID = 'gateway';

/**
 * Who asked, for audit trails: the token's subject when the gateway forwarded
 * the call, else the calling app itself (`app:<id>`). A subject header from any
 * other caller is ignored, so an app cannot act in a person's name.
 */
export function callerSubject(req: Request): string {
  const app = req.header(CALLER_APP_HEADER)?.trim();
  if (!app) return 'unknown';
  if (app === EDGE_APP_ID) return req.header(SUBJECT_HEADER)?.trim().slice(0, 200) || 'anonymous';
  return `app:${app.slice(0, 100)}`;
}

/** The roles of the token the gateway verified; none for a call from any other app. */
export function callerRoles(req: Request): Role[] {
  if (req.header(CALLER_APP_HEADER)?.trim() !== EDGE_APP_ID) return [];
  return (req.header(ROLES_HEADER) ?? '')
    .split(',')
    .map((r) => Role.safeParse(r.trim()))
    .flatMap((r) => (r.success ? [r.data] : []));
}
