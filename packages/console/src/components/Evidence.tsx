import { fmtValue } from '../format.ts';

/** An alert's or incident's evidence, one line per field. */
export function Evidence(props: { evidence: Record<string, unknown> }) {
  const entries = Object.entries(props.evidence ?? {});
  if (!entries.length) return <span class="muted">—</span>;
  return (
    <dl class="evidence">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>
            <code>{fmtValue(value)}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}
