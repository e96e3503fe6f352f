import type { AgentApproval, AgentIncident } from '@meridian/contracts';
import { Evidence } from '../components/Evidence.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { Remote } from '../components/Remote.tsx';
import { ScrollTable } from '../components/ScrollTable.tsx';
import { fmtTime } from '../format.ts';
import { hrefFor } from '../router.ts';
import { isAdmin } from '../session.ts';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';
import { Approvals } from '../components/Approvals.tsx';

/** The agents: tool calls waiting for a human (admins decide), and the incidents the incident agents opened. */
export function Agents() {
  const admin = isAdmin(useSession());
  const approvals = useApi<AgentApproval[]>(admin ? '/v1/agents/approvals' : null, { refreshMs: 30_000 });
  const incidents = useApi<AgentIncident[]>('/v1/agents/incidents', { refreshMs: 30_000 });
  return (
    <section>
      <PageHeading title="Agents" />
      <section aria-labelledby="approvals-h" class="panel">
        <h2 id="approvals-h">Pending approvals</h2>
        {admin ? (
          <Remote state={approvals}>{(list) => <Approvals approvals={list} onDecided={approvals.reload} />}</Remote>
        ) : (
          <p class="muted">Approvals are decided by accounts with the admin role.</p>
        )}
      </section>
      <section aria-labelledby="incidents-h" class="panel">
        <h2 id="incidents-h">Incidents</h2>
        <Remote state={incidents}>
          {(list) =>
            list.length === 0 ? (
              <p class="muted">No incident is open.</p>
            ) : (
              <ScrollTable caption="Incidents, newest first">
                <thead>
                  <tr>
                    <th scope="col">Opened</th>
                    <th scope="col">Model</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Summary</th>
                    <th scope="col">Evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((i) => (
                    <tr key={i.id}>
                      <th scope="row">
                        <time dateTime={i.opened_at}>{fmtTime(i.opened_at)}</time>
                      </th>
                      <td>
                        <Link href={hrefFor({ page: 'model', name: i.model })}>{i.model}</Link>
                      </td>
                      <td>{i.kind}</td>
                      <td>{i.summary}</td>
                      <td>
                        <Evidence evidence={i.evidence} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </ScrollTable>
            )
          }
        </Remote>
      </section>
    </section>
  );
}
