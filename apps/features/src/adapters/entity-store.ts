import { updateMany, type DaprClient, type StatePort } from '@meridian/service-kit';
import type { EntityState } from '../domain/mote-state.ts';
import type { EntityStates, EntityUpdate, LoadedEntity } from '../domain/ports.ts';

const PREFIX = 'features:sensor:';
const stateKey = (entity: string) => `${PREFIX}${entity}`;

/** Enough for a burst of deliveries for one mote on several replicas; past it the delivery is retried. */
const ATTEMPTS = 20;

export type EntityStateApi = Pick<DaprClient, 'getState' | 'getBulkState' | 'saveManyIfUnchanged'>;

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
    change: (current: EntityState | undefined, entity: string) => EntityState;
  }): Promise<EntityUpdate> {
    const entityOf = (key: string) => key.slice(PREFIX.length);
    const result = await updateMany<EntityState>({
      state: this.state,
      store: this.opts.store,
      keys: o.entities.map(stateKey),
      attempts: ATTEMPTS,
      change: (current, key) => o.change(current, entityOf(key)),
      metadata: () => ({ ttlInSeconds: `${this.opts.ttlSeconds}` }),
      ...(this.opts.backoffMs !== undefined ? { backoffMs: this.opts.backoffMs } : {}),
    });
    return {
      written: new Map([...result.written].map(([key, w]) => [entityOf(key), w])),
      contended: new Set([...result.failed].map(entityOf)),
    };
  }
}
