import type { OfflineFeatureRow } from '@meridian/contracts';
import type { EntityState, PendingRow } from './mote-state.ts';

export interface LoadedEntity {
  entity: string;
  state: EntityState | undefined;
}

export interface EntityUpdate {
  /** Entities whose new state landed, with the state it replaced and the one written. */
  written: Map<string, { before: EntityState | undefined; after: EntityState }>;
  /** Entities another writer kept changing until the attempts ran out: nothing was written for them. */
  contended: Set<string>;
}

/** Entity states, one per entity, changed compare-and-swap. */
export interface EntityStates {
  load(entities: string[]): Promise<LoadedEntity[]>;
  /**
   * Applies `change` to each entity's current state and writes the result
   * if the state is unchanged since read, retrying the entities another
   * writer got to first; `change` may run more than once for an entity.
   */
  update(o: {
    entities: string[];
    change: (current: EntityState | undefined, entity: string) => EntityState;
  }): Promise<EntityUpdate>;
}

/** Scores rows on the streaming model; a refusal of the inputs is a BAD_REQUEST AppError, anything else is passing. */
export interface RowScorer {
  readonly model: string;
  score(rows: PendingRow[], id: string): Promise<number[]>;
}

/** The offline feature log: rows appended at least once, read back once each. */
export interface FeatureLog {
  append(rows: Omit<OfflineFeatureRow, 'names'>[]): Promise<void>;
  read(o: { from: string; to: string; entity?: string }): Promise<OfflineFeatureRow[]>;
}
