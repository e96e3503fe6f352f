import type { ModelSummary } from '@meridian/contracts';
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { hrefFor } from '../router.ts';
import { isAdmin } from '../session.ts';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';
import { AdminAction } from './AdminAction.tsx';
import { Link } from './Link.tsx';

/** Admins start a retraining run of a registered model (trigger `api`). */
export function StartRunForm(props: { onStarted?: () => void }) {
  const admin = isAdmin(useSession());
  const models = useApi<ModelSummary[]>(admin ? '/v1/registry/models' : null);
  const modelId = useId();
  const [model, setModel] = useState<string | undefined>();
  const [started, setStarted] = useState<string | undefined>();
  if (!admin) return null;
  const chosen = model ?? models.data?.[0]?.name ?? '';
  return (
    <div class="card start-run">
      <div class="form-row">
        <p class="field">
          <label for={modelId}>Model</label>
          <select id={modelId} value={chosen} onChange={(e) => setModel(e.currentTarget.value)}>
            {(models.data ?? []).map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </p>
        <AdminAction
          label="Start training run"
          title={`Start a training run of ${chosen}`}
          description={
            <p>
              Retrain {chosen} on a fresh snapshot. The run evaluates the candidate, and the gate decides whether it
              goes on to canary and production.
            </p>
          }
          auditAction="training.start"
          disabled={!chosen}
          perform={() =>
            api<{ id: string }>('/v1/training/runs', { method: 'POST', body: { model: chosen, trigger: 'api' } })
          }
          onDone={(result) => {
            setStarted((result as { id?: string } | undefined)?.id);
            props.onStarted?.();
          }}
        />
      </div>
      {started && (
        <p role="status">
          Started <Link href={hrefFor({ page: 'run', id: started })}>run {started}</Link>.
        </p>
      )}
    </div>
  );
}
