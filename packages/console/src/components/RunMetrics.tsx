import type { ModelVersionSummary } from '@meridian/contracts';
import { fmtValue } from '../format.ts';
import { useApi } from '../use-api.ts';
import { ScrollTable } from './ScrollTable.tsx';

const numeric = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The candidate's held-out metrics beside those of the model's production version. */
export function RunMetrics(props: { model: string; metrics: Record<string, unknown> | undefined }) {
  const versions = useApi<ModelVersionSummary[]>(`/v1/registry/models/${encodeURIComponent(props.model)}/versions`);
  const production = versions.data?.find((v) => v.stage === 'production');
  const names = [...new Set([...Object.keys(props.metrics ?? {}), ...Object.keys(production?.metrics ?? {})])]
    .filter((k) => numeric(props.metrics?.[k]) !== undefined || numeric(production?.metrics?.[k]) !== undefined)
    .sort();
  if (!names.length) return <p class="muted">No metrics yet: the evaluate step reports them.</p>;
  const prodLabel = production ? `Production v${production.version}` : 'Production (none)';
  return (
    <ScrollTable caption={`Metrics of this run against ${prodLabel.toLowerCase()}`}>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">This run</th>
          <th scope="col">{prodLabel}</th>
          <th scope="col">Difference</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const mine = numeric(props.metrics?.[name]);
          const theirs = numeric(production?.metrics?.[name]);
          const diff = mine !== undefined && theirs !== undefined ? mine - theirs : undefined;
          return (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{fmtValue(mine)}</td>
              <td>{fmtValue(theirs)}</td>
              <td>{diff === undefined ? '—' : `${diff >= 0 ? '+' : ''}${fmtValue(diff)}`}</td>
            </tr>
          );
        })}
      </tbody>
    </ScrollTable>
  );
}
