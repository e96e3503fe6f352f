import type { AuditListedEntry, ModelVersionRecord, StageChange } from '@meridian/contracts';

/** One line of a model's versions timeline: a registry stage change, or an audited admin call. */
export interface TimelineItem {
  at: string;
  kind: StageChange['action'] | 'audit';
  version?: string;
  title: string;
  by: string;
  why?: string;
}

const ACTION_WORD: Record<StageChange['action'], string> = {
  registered: 'registered',
  moved: 'moved',
  demoted: 'demoted',
  'rolled-back': 'rolled back',
};

function stageItem(version: string, change: StageChange): TimelineItem {
  const move = change.from ? `${change.from} → ${change.to}` : change.to;
  const replaced = change.replaced_by ? `, replaced by v${change.replaced_by}` : '';
  return {
    at: change.at,
    kind: change.action,
    version,
    title: `v${version} ${ACTION_WORD[change.action]} (${move}${replaced})`,
    by: change.by,
    ...(change.reason ? { why: change.reason } : {}),
  };
}

function auditItem(entry: AuditListedEntry): TimelineItem {
  const outcome = entry.outcome ? ` → ${entry.outcome.status}` : ' (pending)';
  const reason = typeof entry.summary.reason === 'string' ? entry.summary.reason : undefined;
  return {
    at: entry.at,
    kind: 'audit',
    title: `${entry.action}: ${entry.method} ${entry.path}${outcome}`,
    by: entry.subject,
    ...(reason ? { why: reason } : {}),
  };
}

/** The registry's history of every version with the gateway's audit entries for the model, newest first. */
export function buildTimeline(records: ModelVersionRecord[], audit: AuditListedEntry[] = []): TimelineItem[] {
  const items = [
    ...records.flatMap((r) => r.history.map((change) => stageItem(r.version, change))),
    ...audit.map(auditItem),
  ];
  return items.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}
