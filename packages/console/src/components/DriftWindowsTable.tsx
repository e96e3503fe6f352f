import type { DriftPoint } from '../drift-history.ts';
import { fmtNumber, fmtTime } from '../format.ts';
import { ScrollTable } from './ScrollTable.tsx';

/**
 * The drift charts as text: a row per window, newest first, and per input its PSI and KS p-value
 * with the word "drifted" where the input drifted (never colour alone).
 */
export function DriftWindowsTable(props: { caption: string; points: DriftPoint[]; features: string[] }) {
  const rows = [...props.points].reverse();
  return (
    <ScrollTable caption={props.caption} class="drift-windows">
      <thead>
        <tr>
          <th scope="col">Window</th>
          <th scope="col">Closed</th>
          <th scope="col">Rows</th>
          {props.features.map((f) => (
            <th scope="col" key={f}>
              {f}: PSI / KS p / drifted
            </th>
          ))}
          <th scope="col">Alert</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((p) => (
          <tr key={p.index}>
            <th scope="row">{p.index}</th>
            <td>{p.open ? 'open (provisional)' : fmtTime(p.closedAt)}</td>
            <td>{p.rows}</td>
            {props.features.map((f) => {
              const s = p.features[f];
              return (
                <td key={f} class={s?.drifted ? 'bad' : undefined}>
                  {s ? `${fmtNumber(s.psi, 3)} / ${fmtNumber(s.ks_p_value, 4)}` : '—'}
                  {s?.drifted ? ' / drifted' : ''}
                  {s?.provisional ? ' (provisional)' : ''}
                </td>
              );
            })}
            <td>{p.drifted ? 'drift alert' : '—'}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}
