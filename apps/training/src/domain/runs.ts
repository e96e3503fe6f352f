import { randomUUID } from 'node:crypto';
import { DaprWorkflowClient, WorkflowRuntimeStatus, type WorkflowRuntime } from '@dapr/dapr';
import { RunStatus, type StartRunRequest } from '@meridian/contracts';
import { AppError, fieldErrors, type DaprClient } from '@meridian/service-kit';
import { progressKey } from '../workflow/activities.ts';
import type { RetrainCustomStatus, RetrainInput, RetrainOutput } from '../workflow/retrain.ts';
import { TRAINERS, type Progress } from './trainers.ts';

/** What a run was asked for, kept beside the workflow: its input is not readable until the workflow has started. */
const requestKey = (id: string) => `run-request:${id}`;
type RunRequest = Pick<RetrainInput, 'model' | 'trigger'>;

const RUNNING = new Set([WorkflowRuntimeStatus.PENDING, WorkflowRuntimeStatus.RUNNING, WorkflowRuntimeStatus.SUSPENDED]);

/** Starting retraining runs and reading their status, on top of the Dapr workflow client. */
export class Runs {
  constructor(private readonly opts: { client: DaprWorkflowClient; workflowName: string; dapr: DaprClient; stateStore: string }) {}

  /** Checks the request (404 unknown model, 400 naming bad parameters) and schedules the workflow. */
  async start(req: StartRunRequest, instanceId = `run-${randomUUID()}`): Promise<string> {
    const trainer = TRAINERS[req.model];
    if (!trainer) throw new AppError({ code: 'NOT_FOUND', message: `unknown model ${req.model} (trainable: ${Object.keys(TRAINERS).join(', ')})` });
    const params = trainer.params.safeParse(req.params ?? {});
    if (!params.success) {
      const errors = fieldErrors(params.error.issues, 'params');
      throw new AppError({ code: 'BAD_REQUEST', message: `invalid training parameters for ${req.model}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors });
    }
    const input: RetrainInput = { runId: instanceId, model: req.model, params: params.data, trigger: req.trigger ?? 'api' };
    const request: RunRequest = { model: input.model, trigger: input.trigger };
    await this.opts.dapr.saveState({ store: this.opts.stateStore, items: [{ key: requestKey(instanceId), value: request }] });
    return this.opts.client.scheduleNewWorkflow(this.opts.workflowName, input, instanceId);
  }

  /** Starts a run under a fixed id unless one with that id exists (idempotent triggers). */
  async startOnce(req: StartRunRequest, instanceId: string): Promise<boolean> {
    if (await this.opts.client.getWorkflowState(instanceId, false)) return false;
    await this.start(req, instanceId);
    return true;
  }

  async status(id: string): Promise<RunStatus> {
    const state = await this.opts.client.getWorkflowState(id, true);
    if (!state) throw new AppError({ code: 'NOT_FOUND', message: `no training run ${id}` });
    const input = JSON.parse(state.serializedInput ?? '{}') as Partial<RetrainInput>;
    const custom = state.customStatus ? (JSON.parse(state.customStatus) as RetrainCustomStatus) : undefined;
    const output = state.serializedOutput ? (JSON.parse(state.serializedOutput) as RetrainOutput) : undefined;
    const read = async <T>(key: string) => (await this.opts.dapr.getState<T>({ store: this.opts.stateStore, key }).catch(() => ({ value: undefined }))).value;
    const progress = await read<Progress>(progressKey(id));
    const request = input.model ? undefined : await read<RunRequest>(requestKey(id));
    const running = RUNNING.has(state.runtimeStatus);
    const status = running ? (state.runtimeStatus === WorkflowRuntimeStatus.PENDING ? 'pending' : 'running') : output?.status === 'completed' ? 'completed' : 'failed';
    const reason = output?.reason ?? custom?.reason ?? state.workflowFailureDetails?.getErrorMessage();
    const version = output?.version ?? custom?.version;
    return RunStatus.parse({
      id, model: input.model ?? request?.model ?? custom?.model ?? 'unknown', trigger: input.trigger ?? request?.trigger, status,
      steps: custom?.steps ?? [],
      created_at: state.createdAt.toISOString(),
      ...(version ? { version } : {}),
      ...(reason && status === 'failed' ? { reason } : {}),
      ...(custom?.metrics ? { metrics: custom.metrics } : {}),
      ...(progress ? { progress } : {}),
    });
  }
}

export type { WorkflowRuntime };
