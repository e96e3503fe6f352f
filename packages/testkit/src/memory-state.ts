const tick = () => new Promise((r) => setImmediate(r));

interface Stored {
  json: string;
  etag: string;
  expiresAt: number | undefined;
}

/** Fails as an unreachable sidecar would (service-kit maps it to 503). */
export class SidecarDown extends Error {
  constructor(what: string) {
    super(`Dapr sidecar unreachable during ${what}`);
    this.name = 'SidecarDown';
  }
}

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public ms = Date.parse('2026-12-01T10:00:00.000Z')) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

type SaveItem = { key: string; value: unknown; etag?: string | undefined; metadata?: Record<string, string> };

/**
 * The sidecar's state API in memory, with what apps rely on: ETags (a write
 * with a stale one fails), first-write when no ETag is given (the key must
 * be absent), TTL metadata, and one event-loop turn per call so concurrent
 * callers interleave as they would over HTTP. Apps or replicas sharing one
 * instance behave as sidecars sharing a store. The one in-memory fake of
 * the state API: DaprClient's method names and shapes.
 */
export class MemoryStateStore {
  readonly data = new Map<string, Stored>();
  /** Every call fails as an unreachable sidecar would. */
  down = false;
  /** The next n saves land, but their answers are lost (the caller sees an error). */
  loseAnswers = 0;
  /** The next n saves fail as if another writer got there first. */
  conflicts = 0;
  calls = 0;
  private version = 0;

  constructor(private readonly clock: { now(): number } = { now: Date.now }) {}

  private async enter(what: string): Promise<void> {
    this.calls += 1;
    await tick();
    if (this.down) throw new SidecarDown(what);
  }

  private live(key: string): Stored | undefined {
    const item = this.data.get(key);
    if (item?.expiresAt !== undefined && item.expiresAt <= this.clock.now()) {
      this.data.delete(key);
      return undefined;
    }
    return item;
  }

  private write(store: string, item: SaveItem): boolean {
    const current = this.live(`${store}/${item.key}`);
    if (item.etag ? current?.etag !== item.etag : current !== undefined) return false;
    const ttl = Number(item.metadata?.ttlInSeconds);
    this.data.set(`${store}/${item.key}`, {
      json: JSON.stringify(item.value),
      etag: String(++this.version),
      expiresAt: ttl > 0 ? this.clock.now() + ttl * 1000 : undefined,
    });
    return true;
  }

  private answered(): void {
    if (this.loseAnswers > 0) {
      this.loseAnswers -= 1;
      throw new SidecarDown('save state (the answer was lost)');
    }
  }

  async getState<T>(o: { store: string; key: string }): Promise<{ value: T | undefined; etag: string | undefined }> {
    await this.enter('get state');
    const item = this.live(`${o.store}/${o.key}`);
    return item ? { value: JSON.parse(item.json) as T, etag: item.etag } : { value: undefined, etag: undefined };
  }

  async getBulkState<T>(o: {
    store: string;
    keys: string[];
  }): Promise<{ key: string; value: T | undefined; etag: string | undefined }[]> {
    await this.enter('get bulk state');
    return o.keys.map((key) => {
      const item = this.live(`${o.store}/${key}`);
      return { key, value: item ? (JSON.parse(item.json) as T) : undefined, etag: item?.etag };
    });
  }

  async saveIfUnchanged(o: { store: string } & SaveItem): Promise<boolean> {
    await this.enter('save state');
    if (this.conflicts > 0) {
      this.conflicts -= 1;
      return false;
    }
    const ok = this.write(o.store, o);
    if (ok) this.answered();
    return ok;
  }

  /** Each item on its own (as DaprClient reports them): answers the keys whose write did not land. */
  async saveManyIfUnchanged(o: { store: string; items: SaveItem[] }): Promise<Set<string>> {
    await this.enter('save state');
    const lost = new Set<string>();
    for (const item of o.items) {
      if (this.conflicts > 0) {
        this.conflicts -= 1;
        lost.add(item.key);
      } else if (!this.write(o.store, item)) {
        lost.add(item.key);
      }
    }
    this.answered();
    return lost;
  }

  /** Every item in one transaction, last write wins (as DaprClient.commitState). */
  async commitState(o: { store: string; items: SaveItem[] }): Promise<void> {
    await this.saveState(o);
  }

  /** Last write wins, as the sidecar's plain save. */
  async saveState(o: { store: string; items: SaveItem[] }): Promise<void> {
    await this.enter('save state');
    for (const item of o.items) this.write(o.store, { ...item, etag: this.live(`${o.store}/${item.key}`)?.etag });
    this.answered();
  }

  async deleteState(o: { store: string; key: string }): Promise<void> {
    await this.enter('delete state');
    this.data.delete(`${o.store}/${o.key}`);
  }

  /** The stored values whose key starts with a prefix (the store name is left out). */
  values(prefix: string, store = 'statestore'): unknown[] {
    return [...this.data]
      .filter(([k]) => k.startsWith(`${store}/${prefix}`))
      .map(([, v]) => JSON.parse(v.json) as unknown);
  }
}
