import type { AgentApproval } from '@meridian/contracts';
import { useState } from 'preact/hooks';
import { type ActionOutcome, ActionResult } from './ActionResult.tsx';
import { AdminAction } from './AdminAction.tsx';
import { ScrollTable } from './ScrollTable.tsx';
import { fmtTime, fmtValue } from '../format.ts';
import { api } from '../api.ts';

/** Tool calls an agent may make only with an admin's approval: Approve runs the call once, Deny refuses it. */
export function Approvals(props: { approvals: AgentApproval[]; onDecided: () => void }) {
  // The decided row leaves the pending list, so its audit entry is shown above the table.
  const [outcome, setOutcome] = useState<ActionOutcome | undefined>();
  const pending = props.approvals.filter((a) => a.status === 'pending');
  const decide = (a: AgentApproval, approve: boolean) =>
    api(`/v1/agents/approvals/${encodeURIComponent(a.id)}`, { method: 'POST', body: { approve, hash: a.hash } });
  return (
    <>
      <ActionResult outcome={outcome} />
      {pending.length === 0 ? (
        <p class="muted">Nothing is waiting for approval.</p>
      ) : (
        <ScrollTable caption="Tool calls waiting for approval">
          <thead>
            <tr>
              <th scope="col">Tool</th>
              <th scope="col">Arguments</th>
              <th scope="col">Asked by</th>
              <th scope="col">Expires</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {pending.map((a) => (
              <tr key={a.id}>
                <th scope="row">{a.tool}</th>
                <td>
                  <code>{fmtValue(a.arguments)}</code>
                </td>
                <td>
                  {a.requested_by}, {fmtTime(a.requested_at)}
                </td>
                <td>{fmtTime(a.expires_at)}</td>
                <td>
                  <div class="actions">
                    <AdminAction
                      label="Approve"
                      title={`Approve ${a.tool}`}
                      description={
                        <p>
                          Run <code>{a.tool}</code> once with <code>{fmtValue(a.arguments)}</code>, as asked in session{' '}
                          {a.session_id}.
                        </p>
                      }
                      auditAction="agents.decide"
                      perform={() => decide(a, true)}
                      onOutcome={setOutcome}
                      onDone={props.onDecided}
                    />
                    <AdminAction
                      label="Deny"
                      title={`Deny ${a.tool}`}
                      description={
                        <p>
                          Refuse the call to <code>{a.tool}</code>; the agent is told it was denied.
                        </p>
                      }
                      auditAction="agents.decide"
                      perform={() => decide(a, false)}
                      onOutcome={setOutcome}
                      onDone={props.onDecided}
                    />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}
