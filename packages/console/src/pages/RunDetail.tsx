import type { RunStatus } from '@meridian/contracts';
import { useCallback, useState } from 'preact/hooks';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { Remote } from '../components/Remote.tsx';
import { RunMetrics } from '../components/RunMetrics.tsx';
import { StepTimeline } from '../components/StepTimeline.tsx';
import { fmtNumber, fmtTime } from '../format.ts';
import { useLiveEvent } from '../live.ts';
import { hrefFor } from '../router.ts';
import { useApi } from '../use-api.ts';

/** One training run: its steps as they happen (live `run` events), metrics, and the gate's decision. */
export function RunDetail(props: { id: string }) {
  const fetched = useApi<RunStatus>(`/v1/training/runs/${encodeURIComponent(props.id)}`);
  const [live, setLive] = useState<RunStatus | undefined>();
  const onRun = useCallback((run: RunStatus) => run.id === props.id && setLive(run), [props.id]);
  useLiveEvent('run', onRun);
  const state = { ...fetched, data: live ?? fetched.data };

  return (
    <section>
      <PageHeading title={`Run ${props.id}`} />
      <Remote state={state} notFound={`There is no training run ${props.id}.`}>
        {(run) => {
          const gate = run.steps.find((s) => s.name === 'gate');
          return (
            <>
              <dl class="facts">
                <dt>Model</dt>
                <dd>
                  <Link href={hrefFor({ page: 'model', name: run.model })}>{run.model}</Link>
                </dd>
                <dt>Status</dt>
                <dd>
                  <span class={`status status-${run.status}`}>{run.status}</span>
                </dd>
                <dt>Trigger</dt>
                <dd>{run.trigger ?? '—'}</dd>
                <dt>Started</dt>
                <dd>{fmtTime(run.created_at)}</dd>
                {run.version && (
                  <>
                    <dt>Registered version</dt>
                    <dd>v{run.version}</dd>
                  </>
                )}
                {run.reason && (
                  <>
                    <dt>Reason</dt>
                    <dd>{run.reason}</dd>
                  </>
                )}
                {run.progress && (
                  <>
                    <dt>Training progress</dt>
                    <dd>
                      epoch {run.progress.epoch} of {run.progress.epochs}, loss {fmtNumber(run.progress.loss, 4)}
                    </dd>
                  </>
                )}
              </dl>
              <section aria-labelledby="steps-h" class="panel">
                <h2 id="steps-h">Steps</h2>
                <StepTimeline steps={run.steps} />
              </section>
              <section aria-labelledby="gate-h" class="panel">
                <h2 id="gate-h">Gate decision</h2>
                <p class={gate?.status === 'failed' ? 'bad' : undefined}>
                  {!gate || gate.status === 'pending'
                    ? 'The gate has not decided yet.'
                    : `${gate.status === 'completed' ? 'Passed' : gate.status === 'failed' ? 'Refused' : gate.status}${gate.detail ? `: ${gate.detail}` : ''}`}
                </p>
              </section>
              <section aria-labelledby="metrics-h" class="panel">
                <h2 id="metrics-h">Metrics against production</h2>
                <RunMetrics model={run.model} metrics={run.metrics} />
              </section>
            </>
          );
        }}
      </Remote>
    </section>
  );
}
