import type { AuditListedEntry } from '@meridian/contracts';
import { AuditEntryView } from './AuditEntryView.tsx';

/** What an admin action left behind: its audit entry, or a note when that could not be read. */
export interface ActionOutcome {
  entry?: AuditListedEntry;
  note?: string;
}

/** A polite live region: the outcome is announced when it appears. */
export function ActionResult(props: { outcome: ActionOutcome | undefined }) {
  return (
    <div role="status" class="action-result">
      {props.outcome?.entry && <AuditEntryView entry={props.outcome.entry} />}
      {props.outcome?.note && <p>{props.outcome.note}</p>}
    </div>
  );
}
