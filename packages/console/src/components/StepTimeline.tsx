import type { RunStep } from '@meridian/contracts';
import { fmtTime } from '../format.ts';

const duration = (step: RunStep): string => {
  if (!step.started_at || !step.ended_at) return '';
  const ms = Date.parse(step.ended_at) - Date.parse(step.started_at);
  return Number.isFinite(ms) ? ` in ${ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`}` : '';
};

/** The workflow's steps in order (snapshot, train, evaluate, gate, register, canary, promote). */
export function StepTimeline(props: { steps: RunStep[] }) {
  if (!props.steps.length) return <p class="muted">The workflow has not reported its steps yet.</p>;
  return (
    <ol class="steps" aria-label="Workflow steps">
      {props.steps.map((step) => (
        <li key={step.name} class={`step step-${step.status}`}>
          <span class="step-name">{step.name}</span>
          <span class={`status status-${step.status}`}>{step.status}</span>
          <span class="step-time">
            {step.started_at ? <time dateTime={step.started_at}>{fmtTime(step.started_at)}</time> : null}
            {duration(step)}
          </span>
          {step.detail && <span class="step-detail">{step.detail}</span>}
        </li>
      ))}
    </ol>
  );
}
