import { updateMany, type DaprClient, type StatePort } from '@meridian/service-kit';
import type { EntityState } from '../domain/mote-state.ts';
import type { EntityStates, EntityUpdate, LoadedEntity } from '../domain/ports.ts';

const PREFIX = 'features:sensor:';
const stateKey = (entity: string) => `${PREFIX}${entity}`;
const sealedKey = (entity: string, id: string) => `${PREFIX}${entity}:sealed:${id}`;

/** Enough for a burst of deliveries for one mote on several replicas; past it the delivery is retried. */
const ATTEMPTS = 20;

/**
 * A sealed group is written once, and the state's TTL is renewed on every write: the group lives
 * this many times the state's TTL, so that a slow mote's oldest remembered keys do not expire
 * first (a group a state stops naming is deleted then; one written for a write that lost is left
 * to its TTL).
 */
const SEALED_TTL_FACTOR = 7;

export type EntityStateApi = Pick<
  DaprClient,
  'getState' | 'getBulkState' | 'saveManyIfUnchanged' | 'saveState' | 'deleteState'
>;

/**
 * Entity states in the Dapr state store, one key each, with a TTL. A batch
 * of entities is read in one call and written back in one call,
 * compare-and-swap on the ETags read (insert-only for a new entity).
 */
export class EntityStore implements EntityStates {
  private readonly state: StatePort;

  constructor(private readonly opts: { dapr: EntityStateApi; store: string; ttlSeconds: number; backoffMs?: number }) {
    const { dapr } = opts;
    this.state = {
      // A bulk read may carry an ETag for a key it found empty; writing with it would never land, so an empty key is written insert-only.
      getBulkState: async <T>(o: { store: string; keys: string[] }) =>
        (await dapr.getBulkState<T>(o)).map((g) =>
          g.value == null ? { key: g.key, value: undefined, etag: undefined } : g,
        ),
      saveManyIfUnchanged: (o) => dapr.saveManyIfUnchanged(o),
    };
  }

  async load(entities: string[]): Promise<LoadedEntity[]> {
    const { dapr, store } = this.opts;
    if (entities.length === 1) {
      const one = await dapr.getState<EntityState>({ store, key: stateKey(entities[0]!) });
      return [{ entity: entities[0]!, state: one.value }];
    }
    const got = new Map(
      (await dapr.getBulkState<EntityState>({ store, keys: entities.map(stateKey) })).map((g) => [g.key, g.value]),
    );
    return entities.map((entity) => ({ entity, state: got.get(stateKey(entity)) }));
  }

  async update(o: {
    entities: string[];
    change: (current: EntityState | undefined, entity: string) => EntityState | undefined;
    sealing: ReadonlyMap<string, string>;
  }): Promise<EntityUpdate> {
    const entityOf = (key: string) => key.slice(PREFIX.length);
    const result = await updateMany<EntityState>({
      state: this.state,
      store: this.opts.store,
      keys: o.entities.map(stateKey),
      attempts: ATTEMPTS,
      change: (current, key) => o.change(current, entityOf(key)),
      metadata: () => ({ ttlInSeconds: `${this.opts.ttlSeconds}` }),
      // A group a state names for the first time is stored before the state: a state never names a group that is not there.
      beforeWrite: (writes) => this.storeSealed(writes, o.sealing),
      ...(this.opts.backoffMs !== undefined ? { backoffMs: this.opts.backoffMs } : {}),
    });
    return {
      written: new Map([...result.written].map(([key, w]) => [entityOf(key), w])),
      contended: new Set([...result.failed].map(entityOf)),
    };
  }

  private async storeSealed(
    writes: readonly { value: EntityState; before: EntityState | undefined }[],
    sealing: ReadonlyMap<string, string>,
  ): Promise<void> {
    const items = writes.flatMap(({ value, before }) => {
      const had = new Set((before?.sealed ?? []).map((g) => g.id));
      return (value.sealed ?? [])
        .filter((g) => !had.has(g.id))
        .map((g) => {
          const packed = sealing.get(g.id);
          if (packed === undefined) throw new Error(`sealed digests ${g.id} of ${value.entity} were not given`);
          return {
            key: sealedKey(value.entity, g.id),
            value: packed,
            metadata: { ttlInSeconds: `${this.opts.ttlSeconds * SEALED_TTL_FACTOR}` },
          };
        });
    });
    if (items.length) await this.opts.dapr.saveState({ store: this.opts.store, items });
  }

  async sealed(entity: string, ids: string[]): Promise<Map<string, string>> {
    const got = new Map(
      (
        await this.opts.dapr.getBulkState<string>({
          store: this.opts.store,
          keys: ids.map((id) => sealedKey(entity, id)),
        })
      ).map((g) => [g.key, g.value]),
    );
    return new Map(ids.map((id) => [id, got.get(sealedKey(entity, id)) ?? '']));
  }

  async unseal(entity: string, ids: string[]): Promise<void> {
    for (const id of ids) await this.opts.dapr.deleteState({ store: this.opts.store, key: sealedKey(entity, id) });
  }
}
