import type { Alert } from '@meridian/contracts';
import { useCallback, useState } from 'preact/hooks';
import { Evidence } from '../components/Evidence.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { Remote } from '../components/Remote.tsx';
import { ScrollTable } from '../components/ScrollTable.tsx';
import { fmtTime } from '../format.ts';
import { useLive, useLiveEvent } from '../live.ts';
import { mergeAlerts } from '../merge.ts';
import { hrefFor } from '../router.ts';
import { useApi } from '../use-api.ts';

/** Drift and quality alerts of the monitor, with their evidence and the retraining run each started. */
export function Alerts() {
  const alerts = useApi<Alert[]>('/v1/monitor/alerts');
  // Alerts from the stream, including those raised while another page was open.
  const { alerts: arrived } = useLive();
  const [announcement, setAnnouncement] = useState('');
  const onAlert = useCallback((alert: Alert) => {
    setAnnouncement(`New ${alert.kind} alert on ${alert.model} v${alert.version} (window ${alert.window}).`);
  }, []);
  useLiveEvent('alert', onAlert);

  return (
    <section>
      <PageHeading title="Alerts" />
      <p aria-live="polite" class="announcement">
        {announcement}
      </p>
      <Remote state={alerts}>
        {(listed) => {
          const list = mergeAlerts(listed, arrived);
          return list.length === 0 ? (
            <p class="muted">No alert yet. New ones appear here as they are raised.</p>
          ) : (
            <ScrollTable caption="Alerts, newest first" class="alerts">
              <thead>
                <tr>
                  <th scope="col">Raised</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Model</th>
                  <th scope="col">Window</th>
                  <th scope="col">Evidence</th>
                  <th scope="col">Run started</th>
                </tr>
              </thead>
              <tbody>
                {list.map((a) => (
                  <tr key={a.id}>
                    <th scope="row">
                      <time dateTime={a.created_at}>{fmtTime(a.created_at)}</time>
                    </th>
                    <td>
                      <span class={`kind kind-${a.kind}`}>{a.kind}</span>
                    </td>
                    <td>
                      <Link href={hrefFor({ page: 'model', name: a.model })}>{a.model}</Link> v{a.version}
                    </td>
                    <td>{a.window}</td>
                    <td>
                      <Evidence evidence={a.evidence} />
                    </td>
                    <td>
                      <Link href={hrefFor({ page: 'run', id: a.run_id })}>{a.run_id}</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
          );
        }}
      </Remote>
    </section>
  );
}
