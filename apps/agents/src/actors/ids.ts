import { createHash } from 'node:crypto';

/** Actor types the agents app hosts. */
export const ActorTypes = {
  session: 'agent-session',
  desk: 'approval-desk',
  tenant: 'agent-tenant',
  mote: 'mote-agent',
  incident: 'incident-agent',
  incidentIndex: 'incident-index',
} as const;

/** The one approval desk. */
export const DESK_ID = 'desk';

/** A tenant is the token's subject; its id is a hash so no name reaches a key or a log. */
export const tenantOf = (subject: string): string => createHash('sha256').update(subject).digest('hex').slice(0, 16);

/** Sessions are scoped by tenant: two callers may use the same session id and never see each other's. */
export const sessionActorId = (o: { tenant: string; sessionId: string }): string => `${o.tenant}.${o.sessionId}`;
