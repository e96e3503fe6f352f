import type { QualityReport } from '@meridian/contracts';
import { fmtNumber } from '../format.ts';
import { useApi } from '../use-api.ts';
import { Remote } from './Remote.tsx';
import { ScrollTable } from './ScrollTable.tsx';

/** Precision, recall and F1 from delayed labels joined to the predictions they judge, per version. */
export function QualityPanel(props: { name: string }) {
  const quality = useApi<QualityReport>(`/v1/monitor/models/${encodeURIComponent(props.name)}/quality`, {
    refreshMs: 60_000,
  });
  return (
    <section aria-labelledby="quality-h" class="panel">
      <h2 id="quality-h">Quality from delayed labels</h2>
      <Remote state={quality} notFound="No labelled predictions yet: labels arrive through POST /v1/labels.">
        {(q) => (
          <>
            <p>
              {q.version ? `v${q.version}: ` : ''}
              {q.count} labelled predictions in the rolling window of {q.window}.
            </p>
            <ScrollTable caption={`Quality of ${props.name} per version`}>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Labelled</th>
                  <th scope="col">Precision</th>
                  <th scope="col">Recall</th>
                  <th scope="col">F1</th>
                </tr>
              </thead>
              <tbody>
                {q.versions.map((v) => (
                  <tr key={v.version}>
                    <th scope="row">v{v.version}</th>
                    <td>{v.count}</td>
                    <td>{fmtNumber(v.precision, 3)}</td>
                    <td>{fmtNumber(v.recall, 3)}</td>
                    <td>{fmtNumber(v.f1, 3)}</td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
          </>
        )}
      </Remote>
    </section>
  );
}
