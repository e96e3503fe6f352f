import type { DaprClient } from '@meridian/service-kit';
import type { RunRecords, RunRequest } from '../domain/ports.ts';
import type { Progress } from '../domain/trainers.ts';

const requestKey = (id: string) => `run-request:${id}`;
const progressKey = (id: string) => `training-progress:${id}`;

/** A run's request and training progress in the `statestore` component, last write wins. */
export class StateRunRecords implements RunRecords {
  constructor(private readonly opts: { dapr: Pick<DaprClient, 'getState' | 'saveState'>; store: string }) {}

  private async save(o: { key: string; value: unknown }): Promise<void> {
    await this.opts.dapr.saveState({ store: this.opts.store, items: [{ key: o.key, value: o.value }] });
  }

  private async get<T>(key: string): Promise<T | undefined> {
    return (await this.opts.dapr.getState<T>({ store: this.opts.store, key })).value;
  }

  saveRequest(o: { id: string; request: RunRequest }): Promise<void> {
    return this.save({ key: requestKey(o.id), value: o.request });
  }

  request(id: string): Promise<RunRequest | undefined> {
    return this.get(requestKey(id));
  }

  saveProgress(o: { id: string; progress: Progress }): Promise<void> {
    return this.save({ key: progressKey(o.id), value: o.progress });
  }

  progress(id: string): Promise<Progress | undefined> {
    return this.get(progressKey(id));
  }
}
