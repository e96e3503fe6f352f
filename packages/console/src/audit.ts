import type { AuditListResponse, AuditListedEntry } from '@meridian/contracts';
import { api } from './api.ts';

/**
 * The newest audit entry of one action (e.g. `registry.stage`) by one subject: what the
 * gateway wrote for the admin action just taken. Undefined when the log has none.
 */
export async function latestAuditEntry(options: {
  action: string;
  subject?: string;
}): Promise<AuditListedEntry | undefined> {
  const answer = await api<AuditListResponse>('/v1/audit', {
    query: { action: options.action, subject: options.subject, limit: '1' },
  });
  return answer.entries[0];
}

/** Entries that touched one model, for its timeline (the audit path names the model). */
export function entriesForModel(entries: AuditListedEntry[], model: string): AuditListedEntry[] {
  const segment = `/${model}/`;
  const tail = `/${model}`;
  return entries.filter((e) => e.path.includes(segment) || e.path.endsWith(tail) || e.summary.model === model);
}
