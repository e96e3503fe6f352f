import type { AuditListResponse, ModelVersionRecord, ModelVersionSummary } from '@meridian/contracts';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { entriesForModel } from '../audit.ts';
import { fmtTime } from '../format.ts';
import { isAdmin } from '../session.ts';
import { useSession } from '../session-context.ts';
import { buildTimeline, type TimelineItem } from '../timeline.ts';

const messageOf = (err: unknown) => (err instanceof ApiError ? err.message : String(err));

/**
 * Registered, staged, promoted, rolled back: each version's registry history (who and why),
 * joined with the gateway's audit entries for the model when the account may read them.
 */
export function VersionTimeline(props: { name: string; versions: ModelVersionSummary[] }) {
  const admin = isAdmin(useSession());
  const [items, setItems] = useState<TimelineItem[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const key = props.versions.map((v) => `${v.version}:${v.updated_at}`).join(',');

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const base = `/v1/registry/models/${encodeURIComponent(props.name)}/versions`;
    // A version or the audit log that cannot be read leaves a note, not an empty timeline.
    Promise.all([
      Promise.allSettled(props.versions.map((v) => api<ModelVersionRecord>(`${base}/${v.version}`, { signal }))),
      admin
        ? api<AuditListResponse>('/v1/audit', { query: { limit: '500' }, signal }).then(
            (a) => ({ entries: entriesForModel(a.entries, props.name) }),
            (err: unknown) => ({ entries: [], failed: messageOf(err) }),
          )
        : Promise.resolve({ entries: [] }),
    ]).then(([settled, audit]) => {
      if (signal.aborted) return;
      const records = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const missing = settled.flatMap((r, i) => (r.status === 'rejected' ? [`v${props.versions[i]?.version}`] : []));
      setItems(buildTimeline(records, audit.entries));
      const notes = [
        ...(missing.length ? [`The history of ${missing.join(', ')} could not be read.`] : []),
        ...('failed' in audit ? [`The audit log could not be read: ${audit.failed}`] : []),
      ];
      setError(notes.length ? notes.join(' ') : undefined);
    });
    return () => controller.abort();
  }, [props.name, key, admin]);

  if (!items) return <p class="muted">Loading the timeline…</p>;
  return (
    <>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <ol class="timeline" aria-label={`Timeline of ${props.name}, newest first`}>
        {items.map((item, i) => (
          <li key={`${item.at}-${i}`} class={`tl-${item.kind}`}>
            <time dateTime={item.at}>{fmtTime(item.at)}</time>
            <span class="tl-title">{item.title}</span>
            <span class="tl-by">by {item.by}</span>
            {item.why && <span class="tl-why">“{item.why}”</span>}
          </li>
        ))}
      </ol>
    </>
  );
}
