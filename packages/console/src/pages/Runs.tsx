import type { RunStatus } from '@meridian/contracts';
import { useCallback, useState } from 'preact/hooks';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { Remote } from '../components/Remote.tsx';
import { ScrollTable } from '../components/ScrollTable.tsx';
import { StartRunForm } from '../components/StartRunForm.tsx';
import { fmtTime } from '../format.ts';
import { useLiveEvent } from '../live.ts';
import { hrefFor } from '../router.ts';
import { mergeRuns } from '../merge.ts';
import { isAdmin } from '../session.ts';
import { useSession } from '../session-context.ts';
import { runsOf } from '../types.ts';
import { useApi } from '../use-api.ts';

/** Every training run, kept current by the live `run` events. */
export function Runs() {
  const admin = isAdmin(useSession());
  const runs = useApi<RunStatus[] | { runs?: RunStatus[] }>(admin ? '/v1/training/runs' : null, { refreshMs: 60_000 });
  const [live, setLive] = useState(new Map<string, RunStatus>());
  const onRun = useCallback((run: RunStatus) => setLive((m) => new Map(m).set(run.id, run)), []);
  useLiveEvent('run', onRun);

  return (
    <section>
      <PageHeading title="Training runs" />
      {!admin ? (
        <p class="muted">Training runs are for accounts with the admin role.</p>
      ) : (
        <>
          <StartRunForm onStarted={runs.reload} />
          <Remote state={runs}>
            {(answer) => {
              const list = mergeRuns(runsOf(answer), live);
              return list.length === 0 ? (
                <p class="muted">No training run yet.</p>
              ) : (
                <ScrollTable caption="Training runs, newest first">
                  <thead>
                    <tr>
                      <th scope="col">Run</th>
                      <th scope="col">Model</th>
                      <th scope="col">Trigger</th>
                      <th scope="col">Status</th>
                      <th scope="col">Version</th>
                      <th scope="col">Started</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((run) => (
                      <tr key={run.id}>
                        <th scope="row">
                          <Link href={hrefFor({ page: 'run', id: run.id })}>{run.id}</Link>
                        </th>
                        <td>{run.model}</td>
                        <td>{run.trigger ?? '—'}</td>
                        <td>
                          <span class={`status status-${run.status}`}>{run.status}</span>
                        </td>
                        <td>{run.version ? `v${run.version}` : '—'}</td>
                        <td>{fmtTime(run.created_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </ScrollTable>
              );
            }}
          </Remote>
        </>
      )}
    </section>
  );
}
