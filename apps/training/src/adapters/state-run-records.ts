import { updateOne, type DaprClient } from '@meridian/service-kit';
import type { RunRecords, RunRequest } from '../domain/ports.ts';
import type { Progress } from '../domain/trainers.ts';

const requestKey = (id: string) => `run-request:${id}`;
const progressKey = (id: string) => `training-progress:${id}`;
/** The ids of the latest runs, newest first: runs are otherwise keyed by id only, and a state store cannot be listed. */
const INDEX_KEY = 'run-index';
/** Runs kept in the index: well above the largest page, so the key stays small; older runs are still read by id. */
export const RUN_INDEX_MAX = 1000;

/** A run's request and training progress in the `statestore` component, last write wins; the run index by compare-and-swap. */
export class StateRunRecords implements RunRecords {
  constructor(
    private readonly opts: {
      dapr: Pick<DaprClient, 'getState' | 'saveState' | 'getBulkState' | 'saveManyIfUnchanged'>;
      store: string;
      backoffMs?: number;
    },
  ) {}

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

  async addToIndex(id: string): Promise<boolean> {
    // One key: the sidecar client takes its refused save for lost even when another run wrote the same index.
    const r = await updateOne<string[]>({
      state: this.opts.dapr,
      store: this.opts.store,
      key: INDEX_KEY,
      change: (ids = []) => (ids.includes(id) ? undefined : [id, ...ids].slice(0, RUN_INDEX_MAX)),
      ...(this.opts.backoffMs === undefined ? {} : { backoffMs: this.opts.backoffMs }),
    });
    return !r.failed;
  }

  async latest(limit: number): Promise<string[]> {
    return ((await this.get<string[]>(INDEX_KEY)) ?? []).slice(0, limit);
  }
}
