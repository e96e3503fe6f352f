import type { DaprClient } from '@meridian/service-kit';
import type { EntityState } from '../domain/mote-state.ts';

const stateKey = (entity: string) => `features:sensor:${entity}`;

export interface Loaded {
  entity: string;
  state: EntityState | undefined;
  etag: string | undefined;
}

/**
 * Entity states in the Dapr state store, one key each, with a TTL. A batch
 * of entities is read in one call and written back in one call,
 * compare-and-swap on the ETags read (insert-only for a new entity).
 */
export class EntityStore {
  constructor(private readonly opts: { dapr: DaprClient; store: string; ttlSeconds: number }) {}

  async load(entities: string[]): Promise<Loaded[]> {
    const { dapr, store } = this.opts;
    if (entities.length === 1) {
      const one = await dapr.getState<EntityState>({ store, key: stateKey(entities[0]!) });
      return [{ entity: entities[0]!, state: one.value, etag: one.etag }];
    }
    const got = new Map((await dapr.getBulkState<EntityState>({ store, keys: entities.map(stateKey) })).map((g) => [g.key, g]));
    return entities.map((entity) => {
      const g = got.get(stateKey(entity));
      return { entity, state: g?.value, etag: g?.value === undefined ? undefined : g.etag };
    });
  }

  /** Writes each state if unchanged since `etag`; answers the entities whose write did not land. */
  async save(writes: { state: EntityState; etag: string | undefined }[]): Promise<Set<string>> {
    const failed = await this.opts.dapr.saveManyIfUnchanged({
      store: this.opts.store,
      items: writes.map((w) => ({ key: stateKey(w.state.entity), value: w.state, etag: w.etag, metadata: { ttlInSeconds: `${this.opts.ttlSeconds}` } })),
    });
    return new Set(writes.filter((w) => failed.has(stateKey(w.state.entity))).map((w) => w.state.entity));
  }
}
