import type { ModelPolicy, ModelVersionSummary } from '@meridian/contracts';
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { isAdmin } from '../session.ts';
import { useSession } from '../session-context.ts';
import { describeSplit, trafficSplit } from '../traffic.ts';
import { useApi } from '../use-api.ts';
import { AdminAction } from './AdminAction.tsx';
import { Remote } from './Remote.tsx';

/** The champion/canary/shadow split of the model's traffic policy, and (admins) the canary's share. */
export function TrafficPanel(props: { name: string; versions: ModelVersionSummary[] | undefined }) {
  const enc = encodeURIComponent(props.name);
  const policy = useApi<ModelPolicy>(`/v2/models/${enc}/policy`, { refreshMs: 30_000 });
  const admin = isAdmin(useSession());
  const versionId = useId();
  const percentId = useId();
  const production = props.versions?.find((v) => v.stage === 'production')?.version;
  const suggested =
    policy.data?.traffic?.canary?.version ??
    props.versions?.find((v) => v.stage === 'staging')?.version ??
    props.versions?.find((v) => v.stage !== 'production')?.version ??
    '';
  const [version, setVersion] = useState<string | undefined>();
  const [percent, setPercent] = useState<string | undefined>();
  const chosenVersion = version ?? suggested;
  const chosenPercent = percent ?? String(policy.data?.traffic?.canary?.percent ?? 10);
  const share = Number(chosenPercent);
  const valid = chosenPercent !== '' && Number.isFinite(share) && share >= 0 && share <= 100 && chosenVersion !== '';

  const setCanary = async () => {
    // The current policy, freshly read: only the canary changes.
    const current = await api<ModelPolicy>(`/v2/models/${enc}/policy`);
    const next: ModelPolicy = {
      ...current,
      traffic: { ...current.traffic, canary: { version: chosenVersion, percent: share } },
    };
    return api(`/v2/models/${enc}/policy`, { method: 'PUT', body: next });
  };

  return (
    <section aria-labelledby="traffic-h" class="panel">
      <h2 id="traffic-h">Traffic</h2>
      <Remote state={policy} notFound="The inference app has not loaded this model.">
        {(p) => <p class="split">{describeSplit(trafficSplit(p, production))}</p>}
      </Remote>
      {admin && policy.data && (
        <div class="form-row">
          <p class="field">
            <label for={versionId}>Canary version</label>
            <select id={versionId} value={chosenVersion} onChange={(e) => setVersion(e.currentTarget.value)}>
              {(props.versions ?? []).map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version} ({v.stage})
                </option>
              ))}
            </select>
          </p>
          <p class="field">
            <label for={percentId}>Canary percent</label>
            <input
              id={percentId}
              type="number"
              min={0}
              max={100}
              step={1}
              required
              value={chosenPercent}
              onInput={(e) => setPercent(e.currentTarget.value)}
            />
          </p>
          <AdminAction
            label="Set canary"
            title={`Set the canary of ${props.name}`}
            description={
              <p>
                Send {valid ? share : '?'} % of {props.name}'s unpinned traffic to v{chosenVersion}; the champion
                answers the rest.
              </p>
            }
            auditAction="inference.set-policy"
            disabled={!valid}
            perform={setCanary}
            onDone={policy.reload}
          />
        </div>
      )}
    </section>
  );
}
