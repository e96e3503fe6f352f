import { fmtNumber, fmtPercent } from '../format.ts';
import type { ShadowSummary } from '../types.ts';
import { useApi } from '../use-api.ts';
import { Remote } from './Remote.tsx';

/** How often the shadow (mirrored) version agrees with the champion on the same requests. */
export function ShadowPanel(props: { name: string }) {
  const shadow = useApi<ShadowSummary>(`/v2/models/${encodeURIComponent(props.name)}/shadow`, { refreshMs: 30_000 });
  return (
    <section aria-labelledby="shadow-h" class="panel">
      <h2 id="shadow-h">Shadow agreement</h2>
      <Remote state={shadow} notFound="No shadow results: the policy mirrors no version, or no request came yet.">
        {(s) => (
          <dl class="facts">
            <dt>Champion</dt>
            <dd>v{s.champion}</dd>
            <dt>Shadow</dt>
            <dd>v{s.candidate}</dd>
            <dt>Rows compared</dt>
            <dd>{fmtNumber(s.rows, 0)}</dd>
            <dt>Agreement</dt>
            <dd>{fmtPercent(s.agreement)}</dd>
            <dt>Mean |difference|</dt>
            <dd>{fmtNumber(s.mean_abs_diff, 4)}</dd>
            <dt>Max |difference|</dt>
            <dd>{fmtNumber(s.max_abs_diff, 4)}</dd>
          </dl>
        )}
      </Remote>
    </section>
  );
}
