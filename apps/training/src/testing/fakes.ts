import type {
  ModelVersionRecord,
  ModelVersionSummary,
  RegisterVersionRequest,
  StageChangeRequest,
} from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { registryRecord } from '@meridian/testkit';
import type { Inference, Registry, RunInstance, RunRecords, RunRequest, Workflows } from '../domain/ports.ts';
import type { Progress } from '../domain/trainers.ts';
import type { RetrainInput } from '../workflow/retrain.ts';

/** Workflow instances in memory; tests move them along with `update`. */
export class MemoryWorkflows implements Workflows {
  readonly instances = new Map<string, RunInstance>();

  async schedule(o: { instanceId: string; input: RetrainInput }): Promise<string> {
    this.instances.set(o.instanceId, { phase: 'pending', createdAt: new Date('2026-12-01T10:00:00Z'), input: o.input });
    return o.instanceId;
  }

  async exists(instanceId: string): Promise<boolean> {
    return this.instances.has(instanceId);
  }

  async read(instanceId: string): Promise<RunInstance | undefined> {
    return this.instances.get(instanceId);
  }

  update(instanceId: string, change: Partial<RunInstance>): void {
    const current = this.instances.get(instanceId);
    if (!current) throw new Error(`no instance ${instanceId}`);
    this.instances.set(instanceId, { ...current, ...change });
  }
}

export class MemoryRunRecords implements RunRecords {
  readonly requests = new Map<string, RunRequest>();
  readonly progresses = new Map<string, Progress>();
  /** Run ids, newest first. */
  readonly index: string[] = [];
  /** Every read fails as a store that is down would. */
  down = false;

  async saveRequest(o: { id: string; request: RunRequest }): Promise<void> {
    this.requests.set(o.id, o.request);
  }

  async request(id: string): Promise<RunRequest | undefined> {
    if (this.down) throw new AppError({ code: 'UNAVAILABLE', message: 'state store down' });
    return this.requests.get(id);
  }

  async saveProgress(o: { id: string; progress: Progress }): Promise<void> {
    this.progresses.set(o.id, o.progress);
  }

  async progress(id: string): Promise<Progress | undefined> {
    if (this.down) throw new AppError({ code: 'UNAVAILABLE', message: 'state store down' });
    return this.progresses.get(id);
  }

  async addToIndex(id: string): Promise<boolean> {
    if (!this.index.includes(id)) this.index.unshift(id);
    return true;
  }

  async latest(limit: number): Promise<string[]> {
    if (this.down) throw new AppError({ code: 'UNAVAILABLE', message: 'state store down' });
    return this.index.slice(0, limit);
  }
}

/** A registry with the registry app's answers: 404 for an unknown model; a promotion archives the old production version. */
export class MemoryRegistry implements Registry {
  readonly records: ModelVersionRecord[] = [];
  readonly registered: { model: string; request: RegisterVersionRequest }[] = [];
  /** Every stage change asked for, in order, with its reason (what a run says it did). */
  readonly moves: ({ model: string; version: string } & StageChangeRequest)[] = [];

  add(o: Parameters<typeof registryRecord>[0]): this {
    this.records.push(registryRecord(o));
    return this;
  }

  async versions(model: string): Promise<ModelVersionSummary[]> {
    const of = this.records.filter((r) => r.name === model);
    if (!of.length) throw new AppError({ code: 'NOT_FOUND', message: `unknown model ${model}` });
    return of.map(({ history: _history, ...summary }) => summary);
  }

  async register(model: string, request: RegisterVersionRequest): Promise<ModelVersionRecord> {
    this.registered.push({ model, request });
    const version = String(this.records.filter((r) => r.name === model).length + 1);
    return this.add({ name: model, version, metadata: request.metadata }).records.at(-1)!;
  }

  async stage(o: { model: string; version: string } & StageChangeRequest): Promise<ModelVersionRecord> {
    this.moves.push({ ...o });
    const record = this.records.find((r) => r.name === o.model && r.version === o.version);
    if (!record) throw new AppError({ code: 'NOT_FOUND', message: `model ${o.model} has no version ${o.version}` });
    if (record.stage === o.stage)
      throw new AppError({ code: 'CONFLICT', message: `cannot move from ${record.stage} to ${o.stage}` });
    if (o.stage === 'production')
      for (const r of this.records) if (r.name === o.model && r.stage === 'production') r.stage = 'archived';
    record.stage = o.stage;
    return record;
  }
}

/** An inference app that has loaded the versions in `loaded` ("model/version"). */
export class MemoryInference implements Inference {
  readonly loaded = new Set<string>();

  async ready(o: { model: string; version?: string }): Promise<Awaited<ReturnType<Inference['ready']>>> {
    const ready = this.loaded.has(`${o.model}/${o.version}`);
    if (!ready) throw new AppError({ code: 'NOT_FOUND', message: `${o.model} v${o.version} is not loaded` });
    return { name: o.model, ...(o.version ? { version: o.version } : {}), ready };
  }
}
