import type { InferenceClient, RegistryClient } from '@meridian/service-kit';
import type { RetrainCustomStatus, RetrainInput, RetrainOutput } from '../workflow/retrain.ts';
import type { Progress } from './trainers.ts';

/** The registry app: what runs read and change there (service-kit's RegistryClient, a fake in tests). */
export type Registry = Pick<RegistryClient, 'versions' | 'register' | 'stage'>;

/** The inference app: whether it has loaded a version (service-kit's InferenceClient). */
export type Inference = Pick<InferenceClient, 'ready'>;

/** What a run was asked for, kept beside the workflow: its input is not readable until the workflow has started. */
export type RunRequest = Pick<RetrainInput, 'model' | 'trigger'>;

/** A run's workflow instance as the status API needs it, its payloads parsed. */
export interface RunInstance {
  /** pending: scheduled, not started; running: started or suspended; ended: completed, failed or terminated. */
  phase: 'pending' | 'running' | 'ended';
  createdAt: Date;
  input?: Partial<RetrainInput>;
  custom?: RetrainCustomStatus;
  output?: RetrainOutput;
  /** Why the workflow itself failed (not a failed step, which is in `output`). */
  failure?: string;
}

/** The durable workflow engine (Dapr Workflow). */
export interface Workflows {
  /** Schedules the retraining workflow under `instanceId`; answers that id. */
  schedule(o: { instanceId: string; input: RetrainInput }): Promise<string>;
  exists(instanceId: string): Promise<boolean>;
  /** The instance with its input, custom status and output; undefined when none has that id. */
  read(instanceId: string): Promise<RunInstance | undefined>;
}

/** Records kept per run in the state store. */
export interface RunRecords {
  saveRequest(o: { id: string; request: RunRequest }): Promise<void>;
  request(id: string): Promise<RunRequest | undefined>;
  saveProgress(o: { id: string; progress: Progress }): Promise<void>;
  progress(id: string): Promise<Progress | undefined>;
  /** Puts the run at the head of the list of latest runs; false when the list stayed contended and the run is not in it. */
  addToIndex(id: string): Promise<boolean>;
  /** The ids of the latest runs, newest first, at most `limit`. */
  latest(limit: number): Promise<string[]>;
}

/** Dapr's Jobs API: calls POST /job/<name> on the app on a schedule. */
export interface JobScheduler {
  scheduleJob(o: { name: string; schedule: string; data?: unknown }): Promise<void>;
}
