import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '@meridian/service-kit';
import type { SeenKeys } from '../domain/ports.ts';
import { mapLimit } from './map-limit.ts';
import type { SidecarHttp } from './sidecar-http.ts';

/** Keys per write call: one round trip each, and small enough for any store's statement limits. */
const CHUNK = 250;
const MARK_CHUNKS_IN_FLIGHT = 4;

/**
 * Idempotency marks in the `statestore` component, one key per record key.
 * The state key is a hash of the record key: callers' ids may hold "||",
 * which Dapr refuses in keys, and an id should not be readable from the store.
 */
export class StateSeenKeys implements SeenKeys {
  constructor(private readonly opts: { http: SidecarHttp; store: string; ttlSeconds: number; concurrency: number }) {}

  private stateKey(stream: string, key: string): string {
    return `seen:${stream}:${createHash('sha256').update(key).digest('hex')}`;
  }

  async seen(o: { stream: string; keys: string[] }): Promise<Set<string>> {
    const byStateKey = new Map(o.keys.map((k) => [this.stateKey(o.stream, k), k]));
    const answer = await this.opts.http.call({
      method: 'POST', what: 'reading idempotency marks', path: `/v1.0/state/${encodeURIComponent(this.opts.store)}/bulk`,
      body: { keys: [...byStateKey.keys()], parallelism: 16 },
    });
    if (answer.status !== 200) throw new AppError({ code: 'UNAVAILABLE', message: `reading idempotency marks failed (${answer.status}): ${answer.text.slice(0, 300)}` });
    const items = JSON.parse(answer.text) as { key: string; data?: unknown; error?: string }[];
    const failed = items.find((i) => i.error);
    if (failed) throw new AppError({ code: 'UNAVAILABLE', message: `reading idempotency marks failed: ${failed.error}` });
    return new Set(items.filter((i) => i.data !== undefined && i.data !== null).flatMap((i) => byStateKey.get(i.key) ?? []));
  }

  /**
   * Marks insert-only (first-write), a chunk per call, which is what makes
   * 1,000 records cheap; a chunk that fails (some key already marked) is
   * redone key by key. The chunk goes as a transaction (one commit on SQLite
   * and PostgreSQL: 0.7 s for 1,000 marks on SQLite, against 6.5 s through
   * the save API), except on Redis, whose transactions ignore first-write and
   * would overwrite another batch's marks; there the save API enforces it.
   * A chunk may be partly applied, so a mark carrying this call's token is ours.
   */
  async mark(o: { stream: string; keys: string[] }): Promise<Set<string>> {
    const token = randomUUID();
    const won = new Set<string>();
    const chunks = Array.from({ length: Math.ceil(o.keys.length / CHUNK) }, (_, c) => o.keys.slice(c * CHUNK, (c + 1) * CHUNK));
    const transactions = await this.transactionsHonourFirstWrite();
    // Chunks go in parallel: the sidecar and the store overlap them (a batch of 1,000 marks on Redis took 4 × 110 ms one after another).
    await mapLimit(chunks, MARK_CHUNKS_IN_FLIGHT, async (chunk) => {
      const items = chunk.map((key) => this.item({ stream: o.stream, key, token }));
      const answer = transactions
        ? await this.opts.http.call({ method: 'POST', what: 'writing idempotency marks', path: `/v1.0/state/${encodeURIComponent(this.opts.store)}/transaction`, body: { operations: items.map((request) => ({ operation: 'upsert', request })) } })
        : await this.save(items);
      if (answer.status >= 200 && answer.status < 300) {
        for (const k of chunk) won.add(k);
        return;
      }
      const results = await mapLimit(chunk, this.opts.concurrency, (key) => this.markOne({ stream: o.stream, key, token }));
      chunk.forEach((k, j) => results[j] && won.add(k));
    });
    return won;
  }

  private storeType: Promise<string> | undefined;

  private async transactionsHonourFirstWrite(): Promise<boolean> {
    this.storeType ??= this.opts.http.call({ method: 'GET', path: '/v1.0/metadata', what: 'reading sidecar metadata' })
      .then((a) => ((JSON.parse(a.text) as { components?: { name: string; type: string }[] }).components ?? []).find((c) => c.name === this.opts.store)?.type ?? 'unknown')
      .catch(() => 'unknown');
    const type = await this.storeType;
    if (type === 'unknown') this.storeType = undefined;
    return type !== 'unknown' && type !== 'state.redis';
  }

  private item(o: { stream: string; key: string; token: string }) {
    return {
      key: this.stateKey(o.stream, o.key), value: { at: new Date().toISOString(), token: o.token },
      metadata: { ttlInSeconds: `${this.opts.ttlSeconds}` }, options: { concurrency: 'first-write' },
    };
  }

  private save(items: unknown[]) {
    return this.opts.http.call({ method: 'POST', what: 'writing idempotency marks', path: `/v1.0/state/${encodeURIComponent(this.opts.store)}`, body: items });
  }

  /** Stores word a refused insert differently, so the mark itself says who won. */
  private async markOne(o: { stream: string; key: string; token: string }): Promise<boolean> {
    const answer = await this.save([this.item(o)]);
    if (answer.status >= 200 && answer.status < 300) return true;
    const current = await this.opts.http.call({ method: 'GET', what: 'reading an idempotency mark', path: `/v1.0/state/${encodeURIComponent(this.opts.store)}/${encodeURIComponent(this.stateKey(o.stream, o.key))}` });
    if (current.status === 200) return (JSON.parse(current.text) as { token?: string }).token === o.token;
    throw new AppError({ code: 'UNAVAILABLE', message: `writing an idempotency mark failed (${answer.status}): ${answer.text.slice(0, 300)}` });
  }
}
