import { fmtNumber } from '../format.ts';
import type { BiasReport, FairnessGaps } from '../types.ts';
import { useApi } from '../use-api.ts';
import { HBarChart } from './HBarChart.tsx';
import { Remote } from './Remote.tsx';
import { ScrollTable } from './ScrollTable.tsx';

interface Row {
  attribute: string;
  source: 'held-out' | 'live';
  gaps: FairnessGaps;
}

function rowsOf(report: BiasReport): Row[] {
  const attributes = [...new Set([...Object.keys(report.held_out ?? {}), ...Object.keys(report.live ?? {})])].sort();
  return attributes.flatMap((attribute) => [
    ...(report.held_out?.[attribute]
      ? [{ attribute, source: 'held-out' as const, gaps: report.held_out[attribute]! }]
      : []),
    ...(report.live?.[attribute] ? [{ attribute, source: 'live' as const, gaps: report.live[attribute]! }] : []),
  ]);
}

/**
 * Fairness by protected attribute: demographic parity difference, equal opportunity difference
 * and disparate impact ratio, on the held-out set and on live traffic; the four-fifths rule
 * flags a ratio under 0.8.
 */
export function BiasPanel(props: { name: string }) {
  const bias = useApi<BiasReport>(`/v1/monitor/models/${encodeURIComponent(props.name)}/bias`, {
    refreshMs: 60_000,
  });
  return (
    <section aria-labelledby="bias-h" class="panel">
      <h2 id="bias-h">Bias</h2>
      <Remote state={bias} notFound="No fairness report: this model's card has none (wage-above-median has one).">
        {(report) => {
          const rows = rowsOf(report);
          return (
            <>
              <HBarChart
                label={`Disparate impact ratio of ${props.name} v${report.version} by attribute, with the four-fifths line at 0.8: ${rows
                  .map((r) => `${r.attribute} ${r.source} ${fmtNumber(r.gaps.disparate_impact_ratio, 3)}`)
                  .join(', ')}`}
                bars={rows.map((r) => ({
                  label: `${r.attribute} (${r.source})`,
                  value: r.gaps.disparate_impact_ratio,
                }))}
                reference={{ value: 0.8, label: 'four-fifths 0.8' }}
              />
              <ScrollTable caption={`Fairness of ${props.name} v${report.version} by protected attribute`}>
                <thead>
                  <tr>
                    <th scope="col">Attribute</th>
                    <th scope="col">Measured on</th>
                    <th scope="col">DPD</th>
                    <th scope="col">EOD</th>
                    <th scope="col">DIR</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => {
                    const dir = r.gaps.disparate_impact_ratio;
                    return (
                      <tr key={`${r.attribute}-${r.source}`}>
                        <th scope="row">{r.attribute}</th>
                        <td>{r.source}</td>
                        <td>{fmtNumber(r.gaps.demographic_parity_difference, 3)}</td>
                        <td>{fmtNumber(r.gaps.equal_opportunity_difference, 3)}</td>
                        <td class={dir !== null && dir < 0.8 ? 'bad' : undefined}>
                          {fmtNumber(dir, 3)}
                          {dir !== null && dir < 0.8 ? ' (under 0.8)' : ''}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </ScrollTable>
              <p class="muted">
                DPD: demographic parity difference; EOD: equal opportunity difference; DIR: disparate impact ratio
                (unprivileged over privileged selection rate).
              </p>
            </>
          );
        }}
      </Remote>
    </section>
  );
}
