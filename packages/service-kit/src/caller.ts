import type { Request } from 'express';
import { SUBJECT_HEADER } from '@meridian/contracts';

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
