import type { ModelSummary } from '@meridian/contracts';
import { PageHeading } from '../components/PageHeading.tsx';
import { Remote } from '../components/Remote.tsx';
import { ScrollTable } from '../components/ScrollTable.tsx';
import { useApi } from '../use-api.ts';
import { ModelRow } from './ModelRow.tsx';

/** Every registered model with its stages, live SLOs, traffic split and prediction sparkline. */
export function Models() {
  const models = useApi<ModelSummary[]>('/v1/registry/models', { refreshMs: 60_000 });
  return (
    <section>
      <PageHeading title="Models" />
      <Remote state={models}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">No model is registered yet: the first `npm start` trains and registers them.</p>
          ) : (
            <ScrollTable caption="Registered models: versions, live service levels and traffic" class="models">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Versions (stage)</th>
                  <th scope="col">Requests/s</th>
                  <th scope="col">p50</th>
                  <th scope="col">p99</th>
                  <th scope="col">Error rate</th>
                  <th scope="col">Traffic split</th>
                  <th scope="col">Predictions (live)</th>
                </tr>
              </thead>
              <tbody>
                {list.map((m) => (
                  <ModelRow key={m.name} model={m} />
                ))}
              </tbody>
            </ScrollTable>
          )
        }
      </Remote>
    </section>
  );
}
