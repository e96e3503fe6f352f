import type { ModelVersionSummary } from '@meridian/contracts';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { fmtTime, fmtValue } from '../format.ts';
import type { ApiState } from '../use-api.ts';
import { type ActionOutcome, ActionResult } from './ActionResult.tsx';
import { AdminAction } from './AdminAction.tsx';
import { Remote } from './Remote.tsx';
import { ScrollTable } from './ScrollTable.tsx';
import { VersionTimeline } from './VersionTimeline.tsx';

const HEADLINE_METRICS = ['f1', 'auc', 'accuracy', 'precision', 'recall'];

function headline(metrics: Record<string, unknown> | undefined): string {
  const entries = Object.entries(metrics ?? {}).filter(([k]) => HEADLINE_METRICS.includes(k));
  return entries.length ? entries.map(([k, v]) => `${k} ${fmtValue(v)}`).join(', ') : '—';
}

/** The model's versions with their stages, the admin actions on them, and their timeline. */
export function VersionsPanel(props: { name: string; versions: ApiState<ModelVersionSummary[]> }) {
  const { name } = props;
  const enc = encodeURIComponent(name);
  const reload = props.versions.reload;
  // One place for the audit entry of any action here: a promoted version's row loses its button.
  const [outcome, setOutcome] = useState<ActionOutcome | undefined>();
  const shared = { onOutcome: setOutcome };
  return (
    <section aria-labelledby="versions-h" class="panel">
      <h2 id="versions-h">Versions</h2>
      <Remote state={props.versions}>
        {(list) => {
          const sorted = [...list].sort((a, b) => Number(b.version) - Number(a.version));
          const production = list.find((v) => v.stage === 'production')?.version;
          return (
            <>
              {production && (
                <AdminAction
                  label="Roll back"
                  title={`Roll back ${name}`}
                  description={
                    <p>
                      Archive production version v{production} of {name} and put the version before it back into
                      production.
                    </p>
                  }
                  defaultReason="Rolled back from the console"
                  auditAction="registry.rollback"
                  perform={(reason) =>
                    api(`/v1/registry/models/${enc}/rollback`, {
                      method: 'POST',
                      body: { reason, expected_production_version: production },
                    })
                  }
                  onDone={reload}
                  {...shared}
                />
              )}
              <ActionResult outcome={outcome} />
              <ScrollTable caption={`Versions of ${name}, newest first`}>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Stage</th>
                    <th scope="col">Registered</th>
                    <th scope="col">Held-out metrics</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((v) => (
                    <tr key={v.version}>
                      <th scope="row">v{v.version}</th>
                      <td>
                        <span class={`stage stage-${v.stage}`}>{v.stage}</span>
                      </td>
                      <td>
                        {fmtTime(v.created_at)} by {v.registered_by}
                      </td>
                      <td>{headline(v.metrics)}</td>
                      <td>
                        <div class="actions">
                          {v.stage !== 'production' && (
                            <AdminAction
                              label="Promote"
                              title={`Promote ${name} v${v.version}`}
                              description={
                                <p>
                                  Stage v{v.version} of {name} to production
                                  {production ? `; v${production} is demoted` : ''}. Serving switches its champion.
                                </p>
                              }
                              defaultReason="Promoted from the console"
                              auditAction="registry.stage"
                              perform={(reason) =>
                                api(`/v1/registry/models/${enc}/versions/${v.version}/stage`, {
                                  method: 'POST',
                                  body: {
                                    stage: 'production',
                                    reason,
                                    expected_production_version: production ?? null,
                                  },
                                })
                              }
                              onDone={reload}
                              {...shared}
                            />
                          )}
                          <AdminAction
                            label="Load"
                            title={`Load ${name} v${v.version}`}
                            description={
                              <p>
                                Load version {v.version} of {name} into the inference app.
                              </p>
                            }
                            auditAction="inference.load"
                            {...shared}
                            perform={() =>
                              api(`/v2/repository/models/${enc}/load`, {
                                method: 'POST',
                                body: { parameters: { version: v.version } },
                              })
                            }
                          />
                          <AdminAction
                            label="Unload"
                            title={`Unload ${name} v${v.version}`}
                            description={
                              <p>
                                Unload version {v.version} of {name}: it stops serving requests.
                              </p>
                            }
                            auditAction="inference.unload"
                            {...shared}
                            perform={() =>
                              api(`/v2/repository/models/${enc}/unload`, {
                                method: 'POST',
                                body: { parameters: { version: v.version } },
                              })
                            }
                          />
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </ScrollTable>
              <h3>Timeline</h3>
              <VersionTimeline name={name} versions={list} />
            </>
          );
        }}
      </Remote>
    </section>
  );
}
