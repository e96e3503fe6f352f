import type { Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, type MetricsRegistry } from './registry.ts';
import { countWorkflowRuns, timeWorkflowSteps } from './workflow.ts';

/** A workflow context as Dapr's runtime drives it: replaying the history, then running what is new. */
class Context {
  replaying = false;
  isReplaying() {
    return this.replaying;
  }
}

type Output = { status: 'completed' | 'failed' };

/** Two steps, then the output the second step's result names. */
async function* twoSteps(_ctx: Context, input: { fail: boolean }): AsyncGenerator<unknown, Output, any> {
  yield 'step-1';
  const second = (yield 'step-2') as string;
  if (second === 'throw') throw new Error('step 2 broke');
  return { status: input.fail ? 'failed' : 'completed' };
}

async function runs(metrics: MetricsRegistry): Promise<Record<string, number>> {
  const { values } = await metrics.getSingleMetric('meridian_workflow_runs_total')!.get();
  return Object.fromEntries(values.map((v) => [v.labels.outcome, v.value]));
}

describe('workflow metrics', () => {
  it('when a run is replayed at each step, then it is counted started and finished once', async () => {
    const metrics = createMetricsRegistry();
    const counted = countWorkflowRuns({ workflow: 'retrain', metrics, outcomeOf: (o: Output) => o.status }, twoSteps);
    // First execution: nothing in the history, the run starts and schedules step 1.
    const ctx1 = new Context();
    const first = counted(ctx1, { fail: true });
    await first.next();
    // Second execution: step 1 is replayed from the history; step 2 is new.
    const ctx2 = new Context();
    ctx2.replaying = true;
    const second = counted(ctx2, { fail: true });
    await second.next();
    ctx2.replaying = false;
    await second.next('one');
    // Third execution: both steps replayed, then step 2's result is new and the run ends.
    const ctx3 = new Context();
    ctx3.replaying = true;
    const third = counted(ctx3, { fail: true });
    await third.next();
    await third.next('one');
    ctx3.replaying = false;
    expect(await third.next('two')).toEqual({ done: true, value: { status: 'failed' } });
    expect(await runs(metrics)).toEqual({ started: 1, failed: 1 });
  });

  it('when a run throws, then it is counted failed and the error reaches the runtime', async () => {
    const metrics = createMetricsRegistry();
    const counted = countWorkflowRuns({ workflow: 'retrain', metrics }, twoSteps);
    const run = counted(new Context(), { fail: false });
    await run.next();
    await run.next('one');
    await expect(run.next('throw')).rejects.toThrow('step 2 broke');
    expect(await runs(metrics)).toEqual({ started: 1, failed: 1 });
  });

  it('when activities run or fail, then each execution is timed under its name and keeps its answer', async () => {
    const metrics = createMetricsRegistry();
    const timed = timeWorkflowSteps(
      { workflow: 'retrain', metrics },
      {
        snapshot: async (_ctx: unknown, input: { rows: number }) => input.rows * 2,
        train: async () => {
          throw new Error('out of memory');
        },
      },
    );
    expect(Object.keys(timed)).toEqual(['snapshot', 'train']);
    expect(await timed.snapshot({}, { rows: 21 })).toBe(42);
    await expect(timed.train()).rejects.toThrow('out of memory');
    const name = 'meridian_workflow_step_duration_seconds';
    const { values } = await (metrics.getSingleMetric(name) as Histogram).get();
    const counts = values.filter((v) => v.metricName === `${name}_count`).map((v) => [v.labels.step, v.value]);
    expect(counts).toEqual([
      ['snapshot', 1],
      ['train', 1],
    ]);
  });
});
