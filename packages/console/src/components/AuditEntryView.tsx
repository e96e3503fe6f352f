import type { AuditListedEntry } from '@meridian/contracts';
import { fmtTime, fmtValue } from '../format.ts';

/** The audit record an admin action produced, as the gateway's audit log lists it. */
export function AuditEntryView(props: { entry: AuditListedEntry }) {
  const { entry } = props;
  const outcome = entry.outcome
    ? `${entry.outcome.status} ${entry.outcome.ok ? 'ok' : 'failed'} in ${Math.round(entry.outcome.duration_ms)} ms`
    : 'pending';
  return (
    <section class="audit-entry" aria-label={`Audit entry ${entry.id}`}>
      <p class="audit-title">Audit entry</p>
      <dl>
        <dt>Action</dt>
        <dd>{entry.action}</dd>
        <dt>When</dt>
        <dd>
          <time dateTime={entry.at}>{fmtTime(entry.at)}</time>
        </dd>
        <dt>Who</dt>
        <dd>
          {entry.subject} ({entry.roles.join(', ')})
        </dd>
        <dt>Route</dt>
        <dd>
          <code>
            {entry.method} {entry.path}
          </code>
        </dd>
        <dt>Details</dt>
        <dd>
          <code>{fmtValue(entry.summary)}</code>
        </dd>
        <dt>Outcome</dt>
        <dd>{outcome}</dd>
        <dt>Entry id</dt>
        <dd>
          <code>{entry.id}</code>
        </dd>
      </dl>
    </section>
  );
}
