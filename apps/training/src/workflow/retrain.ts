import type { WorkflowContext } from '@dapr/dapr';
import type { RunStep } from '@meridian/contracts';
import type { RetrainActivities } from './activities.ts';

export interface RetrainInput {
  runId: string;
  model: string;
  params: Record<string, unknown>;
  trigger: string;
}

export interface RetrainOutput {
  status: 'completed' | 'failed';
  version?: string;
  reason?: string;
}

/** What the status API reads back: written by the workflow at every step boundary. */
export interface RetrainCustomStatus {
  model: string;
  trigger: string;
  steps: RunStep[];
  version?: string;
  reason?: string;
  metrics?: Record<string, number>;
}

export const STEPS = ['snapshot', 'train', 'evaluate', 'gate', 'register', 'canary', 'promote'] as const;

/** The activities, called by the names they are registered under (not by function names, which a bundler may change). */
type ActivityName = keyof RetrainActivities;
type InputOf<K extends ActivityName> = Parameters<RetrainActivities[K]>[1];
type OutputOf<K extends ActivityName> = Awaited<ReturnType<RetrainActivities[K]>>;

/**
 * The retraining workflow: snapshot → train → evaluate → gate → register →
 * canary → promote (or roll back). Dapr Workflow makes it durable: every
 * finished step is in the workflow's history, so a restarted app resumes
 * after the last finished step instead of starting over. The canary wait is
 * a durable timer. A failing step ends the run with its reason; production
 * is only touched by the promote step.
 */
export function retrainWorkflow(opts: { canaryPercent: number; canarySeconds: number }) {
  return async function* retrain(
    ctx: WorkflowContext,
    input: RetrainInput,
  ): AsyncGenerator<unknown, RetrainOutput, any> {
    const now = () => ctx.getCurrentUtcDateTime().toISOString();
    const status: RetrainCustomStatus = {
      model: input.model,
      trigger: input.trigger,
      steps: STEPS.map((name) => ({ name, status: 'pending' })),
    };
    const publish = () => ctx.setCustomStatus(JSON.stringify(status));
    const step = (name: (typeof STEPS)[number]) => status.steps.find((s) => s.name === name)!;
    const begin = (name: (typeof STEPS)[number]) => {
      Object.assign(step(name), { status: 'running', started_at: now() });
      publish();
    };
    const end = (name: (typeof STEPS)[number], outcome: RunStep['status'], detail?: string) => {
      Object.assign(step(name), { status: outcome, ended_at: now(), ...(detail ? { detail } : {}) });
      publish();
    };
    const fail = (name: (typeof STEPS)[number], reason: string): RetrainOutput => {
      end(name, 'failed', reason);
      status.reason = `${name}: ${reason}`;
      for (const s of status.steps) if (s.status === 'pending') s.status = 'skipped';
      publish();
      return { status: 'failed', reason: status.reason, ...(status.version ? { version: status.version } : {}) };
    };
    const run = function* <K extends ActivityName>(
      name: (typeof STEPS)[number],
      activity: K,
      arg: InputOf<K>,
    ): Generator<unknown, OutputOf<K> | Error, any> {
      begin(name);
      try {
        return (yield ctx.callActivity(activity, arg)) as OutputOf<K>;
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
    };

    const snapshot = yield* run('snapshot', 'snapshot', { runId: input.runId, model: input.model });
    if (snapshot instanceof Error) return fail('snapshot', snapshot.message);
    const offline = snapshot.offline
      ? ` + ${snapshot.offline.labelled} labelled rows of the offline feature log (${snapshot.offline.rows} logged)`
      : '';
    end(
      'snapshot',
      'completed',
      `${snapshot.dataset} ${snapshot.rows} rows, sha256 ${snapshot.hash.slice(0, 12)}${offline}`,
    );

    const trained = yield* run('train', 'train', { runId: input.runId, model: input.model, params: input.params });
    if (trained instanceof Error) return fail('train', trained.message);
    end('train', 'completed');

    const evaluated = yield* run('evaluate', 'evaluate', { runId: input.runId, model: input.model });
    if (evaluated instanceof Error) return fail('evaluate', evaluated.message);
    status.metrics = evaluated.metrics;
    end(
      'evaluate',
      'completed',
      `${evaluated.gateMetric} ${evaluated.metrics[evaluated.gateMetric]?.toFixed(4)} on ${evaluated.testRows} held-out rows`,
    );

    const gate = yield* run('gate', 'gate', {
      model: input.model,
      metrics: evaluated.metrics,
      gateMetric: evaluated.gateMetric,
    });
    if (gate instanceof Error) return fail('gate', gate.message);
    if (!gate.passed) return fail('gate', gate.reason);
    end('gate', 'completed', gate.reason);

    const version = yield* run('register', 'register', { runId: input.runId, model: input.model });
    if (version instanceof Error) return fail('register', version.message);
    status.version = version;
    end('register', 'completed', `version ${version}`);

    if (gate.production) {
      const canary = yield* run('canary', 'canary', { model: input.model, version, percent: opts.canaryPercent });
      if (canary instanceof Error) return fail('canary', canary.message);
      yield ctx.createTimer(opts.canarySeconds);
      const check = yield* run('canary', 'checkCanary', { model: input.model, version });
      if (check instanceof Error || !check.healthy) {
        const why = check instanceof Error ? check.message : check.reason;
        yield* run('canary', 'rollback', { model: input.model, version, reason: `canary failed: ${why}` });
        return fail('canary', `${why}; version ${version} rolled back`);
      }
      end('canary', 'completed', `${opts.canaryPercent}% for ${opts.canarySeconds}s: ${check.reason}`);
    } else {
      end('canary', 'skipped', 'no production version to compare against');
    }

    const promoted = yield* run('promote', 'promote', {
      model: input.model,
      version,
      reason: `run ${input.runId} (${input.trigger}): ${gate.reason}`,
    });
    if (promoted instanceof Error) return fail('promote', promoted.message);
    end('promote', 'completed', `version ${version} is production`);
    return { status: 'completed', version };
  };
}
