import { randomUUID } from 'node:crypto';
import { RunList, RunStatus, type StartRunRequest } from '@meridian/contracts';
import { AppError, fieldErrors, mapLimit, rootLogger, unlessRefused } from '@meridian/service-kit';
import type { RetrainInput } from '../workflow/retrain.ts';
import type { RunInstance, RunRecords, RunRequest, Workflows } from './ports.ts';
import { TRAINERS } from './trainers.ts';

function statusOf(instance: RunInstance): RunStatus['status'] {
  if (instance.phase !== 'ended') return instance.phase;
  return instance.output?.status === 'completed' ? 'completed' : 'failed';
}

/** Workflow reads in flight while a list is built. */
const LIST_CONCURRENCY = 8;

/** Starting retraining runs and reading their status, on top of the workflow engine. */
export class Runs {
  constructor(private readonly opts: { workflows: Workflows; records: RunRecords }) {}

  /** Checks the request (404 unknown model, 400 naming bad parameters) and schedules the workflow. */
  async start(req: StartRunRequest, instanceId = `run-${randomUUID()}`): Promise<string> {
    const trainer = TRAINERS[req.model];
    if (!trainer)
      throw new AppError({
        code: 'NOT_FOUND',
        message: `unknown model ${req.model} (trainable: ${Object.keys(TRAINERS).join(', ')})`,
      });
    const params = trainer.params.safeParse(req.params ?? {});
    if (!params.success) {
      const errors = fieldErrors(params.error.issues, 'params');
      throw new AppError({
        code: 'BAD_REQUEST',
        message: `invalid training parameters for ${req.model}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
        errors,
      });
    }
    const input: RetrainInput = {
      runId: instanceId,
      model: req.model,
      params: params.data,
      trigger: req.trigger ?? 'api',
    };
    const request: RunRequest = { model: input.model, trigger: input.trigger };
    await this.opts.records.saveRequest({ id: instanceId, request });
    // Listed before it is scheduled, so no run exists unlisted; the list skips an id whose workflow never came.
    // A contended index costs only the run's place in the list, not the run.
    if (!(await this.opts.records.addToIndex(instanceId)))
      rootLogger().error({ run_id: instanceId }, 'run started but not listed: the run index stayed contended');
    return this.opts.workflows.schedule({ instanceId, input });
  }

  /** The latest runs, newest first, each as its status reads; at most `limit` workflow reads, a few at a time. */
  async list(o: { limit: number }): Promise<RunList> {
    const ids = await this.opts.records.latest(o.limit);
    const runs = await mapLimit(ids, LIST_CONCURRENCY, (id) => unlessRefused(this.status(id)));
    return RunList.parse({ runs: runs.filter((r): r is RunStatus => r !== undefined) });
  }

  /** Starts a run under a fixed id unless one with that id exists (idempotent triggers). */
  async startOnce(req: StartRunRequest, instanceId: string): Promise<boolean> {
    if (await this.opts.workflows.exists(instanceId)) return false;
    await this.start(req, instanceId);
    return true;
  }

  async status(id: string): Promise<RunStatus> {
    const instance = await this.opts.workflows.read(id);
    if (!instance) throw new AppError({ code: 'NOT_FOUND', message: `no training run ${id}` });
    const { input = {}, custom, output } = instance;
    // Progress and the request are extras: a store that is down must not hide the run.
    const progress = await this.opts.records.progress(id).catch(() => undefined);
    const request = input.model ? undefined : await this.opts.records.request(id).catch(() => undefined);
    const status = statusOf(instance);
    const reason = output?.reason ?? custom?.reason ?? instance.failure;
    const version = output?.version ?? custom?.version;
    return RunStatus.parse({
      id,
      model: input.model ?? request?.model ?? custom?.model ?? 'unknown',
      trigger: input.trigger ?? request?.trigger,
      status,
      steps: custom?.steps ?? [],
      created_at: instance.createdAt.toISOString(),
      ...(version ? { version } : {}),
      ...(reason && status === 'failed' ? { reason } : {}),
      ...(custom?.metrics ? { metrics: custom.metrics } : {}),
      ...(progress ? { progress } : {}),
    });
  }
}
