import type { ModelLifecycleEvent } from '@meridian/contracts';
import { MemoryStateStore } from '@meridian/testkit';
import { RegistryStore } from '../adapters/registry-store.ts';
import type { ArtifactStore, LifecycleEvents, RegistryRecords } from '../domain/ports.ts';

type SaveItem = Parameters<MemoryStateStore['saveIfUnchanged']>[0];

/**
 * The sidecar's state API in memory (testkit's), counting the writes that
 * lost to another writer. `holdReads(n)` makes the next n bulk reads wait
 * for one another, so n writers read the same ETag: a race on every run,
 * not by chance of scheduling.
 */
export class RacingState extends MemoryStateStore {
  lost = 0;
  private waiting: (() => void)[] = [];
  private held = 0;

  holdReads(n: number): void {
    this.held = n;
  }

  override async getBulkState<T>(o: {
    store: string;
    keys: string[];
  }): Promise<{ key: string; value: T | undefined; etag: string | undefined }[]> {
    if (this.held > 0) {
      const released = new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.waiting.length === this.held) {
        for (const release of this.waiting) release();
        this.waiting = [];
        this.held = 0;
      }
      await released;
    }
    return super.getBulkState<T>(o);
  }

  override async saveIfUnchanged(o: SaveItem): Promise<boolean> {
    const saved = await super.saveIfUnchanged(o);
    if (!saved) this.lost += 1;
    return saved;
  }

  override async saveManyIfUnchanged(o: { store: string; items: Omit<SaveItem, 'store'>[] }): Promise<Set<string>> {
    const lost = await super.saveManyIfUnchanged(o);
    this.lost += lost.size;
    return lost;
  }
}

/** The records port over the real adapter and a memory state store. */
export function memoryRecords(state: MemoryStateStore): RegistryRecords {
  return new RegistryStore({ state, store: 'statestore' });
}

export class MemoryArtifacts implements ArtifactStore {
  readonly files = new Map<string, Buffer>();

  async put(o: { path: string; bytes: Uint8Array }): Promise<void> {
    this.files.set(o.path, Buffer.from(o.bytes));
  }

  async get(path: string): Promise<Buffer | undefined> {
    return this.files.get(path);
  }

  async remove(path: string): Promise<void> {
    this.files.delete(path);
  }
}

/** A broker that keeps what was published, in order. */
export class MemoryEvents implements LifecycleEvents {
  readonly published: ModelLifecycleEvent[] = [];

  async publish(events: ModelLifecycleEvent[]): Promise<void> {
    this.published.push(...events);
  }
}
