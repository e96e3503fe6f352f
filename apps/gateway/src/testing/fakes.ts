import { AppError } from '@meridian/service-kit';
import { StateAuditStore, type AuditStateApi } from '../adapters/state-audit-store.ts';
import { StateCounterStore } from '../adapters/state-counter-store.ts';
import type { AuditStore, CounterStore } from '../domain/ports.ts';

const tick = () => new Promise((r) => setImmediate(r));

interface Stored {
  json: string;
  etag: string;
  expiresAt: number | undefined;
}

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public ms = Date.parse('2026-12-01T10:00:00.000Z')) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * The sidecar's state API in memory, with what the adapters rely on: ETags
 * (a write with a stale one fails), first-write when no ETag is given (the
 * key must be absent), TTL metadata, and one event-loop turn per call so
 * concurrent callers interleave as they would over HTTP. Limiters or audit
 * logs sharing one instance behave as gateway replicas sharing a store.
 */
export class MemoryStateStore implements AuditStateApi {
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
    if (this.down) throw new AppError({ code: 'UNAVAILABLE', message: `Dapr sidecar unreachable during ${what}` });
  }

  private live(key: string): Stored | undefined {
    const item = this.data.get(key);
    if (item?.expiresAt !== undefined && item.expiresAt <= this.clock.now()) {
      this.data.delete(key);
      return undefined;
    }
    return item;
  }

  async getState<T>(o: { store: string; key: string }): Promise<{ value: T | undefined; etag: string | undefined }> {
    await this.enter('get state');
    const item = this.live(`${o.store}/${o.key}`);
    return item ? { value: JSON.parse(item.json) as T, etag: item.etag } : { value: undefined, etag: undefined };
  }

  async getBulkState<T>(o: { store: string; keys: string[] }): Promise<{ key: string; value: T | undefined; etag: string | undefined }[]> {
    await this.enter('get bulk state');
    return o.keys.map((key) => {
      const item = this.live(`${o.store}/${key}`);
      return { key, value: item ? (JSON.parse(item.json) as T) : undefined, etag: item?.etag };
    });
  }

  async saveIfUnchanged(o: { store: string; key: string; value: unknown; etag?: string | undefined; metadata?: Record<string, string> }): Promise<boolean> {
    await this.enter('save state');
    if (this.conflicts > 0) {
      this.conflicts -= 1;
      return false;
    }
    const current = this.live(`${o.store}/${o.key}`);
    if (o.etag ? current?.etag !== o.etag : current !== undefined) return false;
    const ttl = Number(o.metadata?.ttlInSeconds);
    this.data.set(`${o.store}/${o.key}`, { json: JSON.stringify(o.value), etag: String(++this.version), expiresAt: ttl > 0 ? this.clock.now() + ttl * 1000 : undefined });
    if (this.loseAnswers > 0) {
      this.loseAnswers -= 1;
      throw new AppError({ code: 'UNAVAILABLE', message: 'save state: the answer was lost' });
    }
    return true;
  }

  /** The stored values whose key starts with a prefix (the store name is left out). */
  values(prefix: string, store = 'statestore'): unknown[] {
    return [...this.data].filter(([k]) => k.startsWith(`${store}/${prefix}`)).map(([, v]) => JSON.parse(v.json) as unknown);
  }
}

const noWait = () => Promise.resolve();

/** The counter port over the real adapter and a memory state store (pass one store to several limiters for replicas). */
export function memoryCounterStore(state: MemoryStateStore): CounterStore {
  return new StateCounterStore({ dapr: state, store: 'statestore', sleep: noWait });
}

/** The audit port over the real adapter and a memory state store. */
export function memoryAuditStore(state: MemoryStateStore): AuditStore {
  return new StateAuditStore({ dapr: state, store: 'statestore', sleep: noWait });
}
