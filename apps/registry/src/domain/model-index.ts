import type { ModelVersionRecord, Stage, StageChange } from '@meridian/contracts';

/** What changes about a version after registration: its stage and the audit trail that got it there. */
export interface VersionState {
  stage: Stage;
  updated_at: string;
  history: StageChange[];
}

/**
 * The per-model record that every change goes through, written whole under
 * its ETag. One key is atomic on every state store, so numbering, a
 * promotion together with the demotion it causes, and the audit entries of
 * both land all at once or not at all, even on stores whose multi-key
 * transactions do not roll back (Redis).
 */
export interface ModelIndex {
  name: string;
  /** Highest number handed out. Numbers are never reused, even when a registration fails after reserving one. */
  last_version: number;
  /** Versions whose registration completed. */
  versions: Record<string, VersionState>;
  production_version?: string;
  /** Versions that served as production, the current one last: what a rollback goes back to. */
  production_history: string[];
  created_at: string;
  updated_at: string;
}

/** A version's write-once part: artifact, card, provenance. */
export type StoredVersion = Omit<ModelVersionRecord, 'stage' | 'updated_at' | 'history'>;

/** Reserves the next version number: 1 for a new model, else one past the highest handed out. */
export function reserveVersion(
  index: ModelIndex | undefined,
  o: { name: string; at: string },
): { index: ModelIndex; version: string } {
  const base = index ?? {
    name: o.name,
    last_version: 0,
    versions: {},
    production_history: [],
    created_at: o.at,
    updated_at: o.at,
  };
  const next = base.last_version + 1;
  return { index: { ...base, last_version: next, updated_at: o.at }, version: String(next) };
}

/** Lists a reserved version as a candidate: from now on it is visible and can move. */
export function withRegisteredVersion(index: ModelIndex, o: { version: string; change: StageChange }): ModelIndex {
  const state: VersionState = { stage: 'candidate', updated_at: o.change.at, history: [o.change] };
  return { ...index, versions: { ...index.versions, [o.version]: state }, updated_at: o.change.at };
}

/** Registered versions in numeric order ("10" after "9"). */
export function registeredVersions(index: ModelIndex): string[] {
  return Object.keys(index.versions).sort((a, b) => Number(a) - Number(b));
}

export function assembleRecord(stored: StoredVersion, state: VersionState): ModelVersionRecord {
  return { ...stored, stage: state.stage, updated_at: state.updated_at, history: state.history };
}

/** The version a rollback returns to: the one that was production before the current one. */
export function rollbackTarget(index: ModelIndex): { current: string; previous: string } | { problem: string } {
  const current = index.production_version;
  if (!current) return { problem: `model ${index.name} has no production version to roll back from` };
  const previous = index.production_history.filter((v) => v !== current).at(-1);
  if (!previous)
    return { problem: `model ${index.name} has no earlier production version than ${current} to roll back to` };
  return { current, previous };
}
