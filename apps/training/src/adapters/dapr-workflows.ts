import { WorkflowRuntimeStatus, type DaprWorkflowClient, type WorkflowState } from '@dapr/dapr';
import type { RunInstance, Workflows } from '../domain/ports.ts';
import type { RetrainCustomStatus, RetrainInput, RetrainOutput } from '../workflow/retrain.ts';

function phaseOf(status: WorkflowRuntimeStatus): RunInstance['phase'] {
  if (status === WorkflowRuntimeStatus.PENDING) return 'pending';
  if (status === WorkflowRuntimeStatus.RUNNING || status === WorkflowRuntimeStatus.SUSPENDED) return 'running';
  return 'ended';
}

const parsed = <T>(json: string | undefined): T | undefined => (json ? (JSON.parse(json) as T) : undefined);

/** What the status API needs of a workflow instance, its payloads parsed from the JSON Dapr keeps them in. */
export function runInstanceOf(state: WorkflowState): RunInstance {
  const input = parsed<Partial<RetrainInput>>(state.serializedInput);
  const custom = parsed<RetrainCustomStatus>(state.customStatus);
  const output = parsed<RetrainOutput>(state.serializedOutput);
  const failure = state.workflowFailureDetails?.getErrorMessage();
  return {
    phase: phaseOf(state.runtimeStatus),
    createdAt: state.createdAt,
    ...(input ? { input } : {}),
    ...(custom ? { custom } : {}),
    ...(output ? { output } : {}),
    ...(failure ? { failure } : {}),
  };
}

/** The retraining workflow on Dapr Workflow, through the SDK's workflow client. */
export class DaprWorkflows implements Workflows {
  constructor(private readonly opts: { client: DaprWorkflowClient; workflowName: string }) {}

  schedule(o: { instanceId: string; input: RetrainInput }): Promise<string> {
    return this.opts.client.scheduleNewWorkflow(this.opts.workflowName, o.input, o.instanceId);
  }

  async exists(instanceId: string): Promise<boolean> {
    return Boolean(await this.opts.client.getWorkflowState(instanceId, false));
  }

  async read(instanceId: string): Promise<RunInstance | undefined> {
    const state = await this.opts.client.getWorkflowState(instanceId, true);
    return state ? runInstanceOf(state) : undefined;
  }
}
