import { Counter, Histogram } from 'prom-client';
import { family, type MetricsRegistry } from './registry.ts';

function workflowMetrics(registry: MetricsRegistry) {
  return {
    runs: family(
      registry,
      'meridian_workflow_runs_total',
      (registers) =>
        new Counter({
          name: 'meridian_workflow_runs_total',
          help: 'Workflow runs by outcome: started, then completed or failed (replays are not counted)',
          labelNames: ['workflow', 'outcome'] as const,
          registers,
        }),
    ),
    steps: family(
      registry,
      'meridian_workflow_step_duration_seconds',
      (registers) =>
        new Histogram({
          name: 'meridian_workflow_step_duration_seconds',
          help: 'Workflow activity executions by workflow and activity (failures and retries included)',
          labelNames: ['workflow', 'step'] as const,
          buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
          registers,
        }),
    ),
  };
}

/** What the counting needs of a Dapr WorkflowContext. */
interface ReplayAware {
  isReplaying(): boolean;
}

type WorkflowFn<C, I, O> = (ctx: C, input: I) => AsyncGenerator<unknown, O, any>;

/**
 * Counts a workflow's runs: `started` when it first runs, then `completed` or
 * `failed` (`outcomeOf` its output; a throw is `failed`). Dapr replays the
 * workflow function from its history at every step, so only the execution that
 * is not a replay counts, and a run is counted once whichever replica ran it.
 */
export function countWorkflowRuns<C extends ReplayAware, I, O>(
  o: { workflow: string; metrics: MetricsRegistry; outcomeOf?: (output: O) => 'completed' | 'failed' },
  fn: WorkflowFn<C, I, O>,
): WorkflowFn<C, I, O> {
  const { runs } = workflowMetrics(o.metrics);
  const count = (ctx: C, outcome: string) => {
    if (!ctx.isReplaying()) runs.inc({ workflow: o.workflow, outcome });
  };
  return async function* counted(ctx, input) {
    count(ctx, 'started');
    let output: O;
    try {
      output = yield* fn(ctx, input);
    } catch (err) {
      count(ctx, 'failed');
      throw err;
    }
    count(ctx, o.outcomeOf?.(output) ?? 'completed');
    return output;
  };
}

/**
 * Times each activity under its name. Activities run once per attempt, never
 * in a replay, so every execution is observed; wrap them where they are
 * registered (the workflow calls them by name).
 */
export function timeWorkflowSteps<A extends Record<string, (ctx: any, input: any) => Promise<unknown>>>(
  o: { workflow: string; metrics: MetricsRegistry },
  activities: A,
): A {
  const { steps } = workflowMetrics(o.metrics);
  const timed = Object.entries(activities).map(([step, fn]) => {
    const run = async (ctx: unknown, input: unknown) => {
      const start = performance.now();
      try {
        return await fn(ctx, input);
      } finally {
        steps.observe({ workflow: o.workflow, step }, (performance.now() - start) / 1000);
      }
    };
    return [step, run] as const;
  });
  return Object.fromEntries(timed) as A;
}
