import type { Alert, RunStatus } from '@meridian/contracts';

/** The listed runs with the newer state live events brought, newest first (by created_at, then id). */
export function mergeRuns(listed: RunStatus[], live: Map<string, RunStatus>): RunStatus[] {
  const byId = new Map(listed.map((r) => [r.id, r]));
  for (const [id, run] of live) byId.set(id, run);
  return [...byId.values()].sort(
    (a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || b.id.localeCompare(a.id),
  );
}

/** The listed alerts and those that arrived live, once each, newest first. */
export function mergeAlerts(listed: Alert[], arrived: Alert[]): Alert[] {
  const byId = new Map<string, Alert>();
  for (const a of [...listed, ...arrived]) byId.set(a.id, a);
  return [...byId.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
}
