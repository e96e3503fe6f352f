import type { Stage, StageChange } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { rollbackTarget, type ModelIndex } from './model-index.ts';

/** The stage machine. production only leaves for archived, so a live model is never silently replaced by a step sideways. */
export const ALLOWED_MOVES: Readonly<Record<Stage, readonly Stage[]>> = {
  candidate: ['staging', 'production', 'archived'],
  staging: ['production', 'candidate', 'archived'],
  production: ['archived'],
  archived: ['staging', 'production'],
};

export function canMove(from: Stage, to: Stage): boolean {
  return ALLOWED_MOVES[from].includes(to);
}

export function assertMove(o: { name: string; version: string; from: Stage; to: Stage }): void {
  if (canMove(o.from, o.to)) return;
  throw new AppError({
    code: 'CONFLICT',
    message: `version ${o.version} of ${o.name} cannot move from ${o.from} to ${o.to} (from ${o.from} it may go to: ${ALLOWED_MOVES[o.from].join(', ')})`,
    errors: [{ path: 'stage', message: `${o.from} -> ${o.to} is not an allowed move` }],
  });
}

/** A stage change as one new index, and the audit entries it adds (in the order they happen). */
export interface StagePlan {
  index: ModelIndex;
  changes: { version: string; change: StageChange }[];
}

type Who = { reason: string; by: string; at: string };

function stateOf(index: ModelIndex, version: string) {
  const state = index.versions[version];
  if (!state) throw new Error(`model ${index.name} has no version ${version} in its index`);
  return state;
}

/** Applies audit entries to the index: each version's stage and trail. */
function apply(index: ModelIndex, changes: StagePlan['changes']): ModelIndex {
  const versions = { ...index.versions };
  for (const { version, change } of changes) {
    const state = versions[version];
    if (!state) throw new Error(`model ${index.name} has no version ${version} in its index`);
    versions[version] = { stage: change.to, updated_at: change.at, history: [...state.history, change] };
  }
  return { ...index, versions, updated_at: changes.at(-1)?.change.at ?? index.updated_at };
}

/**
 * Moves one version. Promoting to production archives the current
 * production version in the same index write.
 */
export function planMove(o: Who & { index: ModelIndex; version: string; to: Stage }): StagePlan {
  const { index, version, to, reason, by, at } = o;
  const from = stateOf(index, version).stage;
  assertMove({ name: index.name, version, from, to });
  const changes: StagePlan['changes'] = [];
  const current = index.production_version;
  let production_history = index.production_history;
  let production_version = current;
  if (to === 'production') {
    if (current && current !== version) {
      changes.push({
        version: current,
        change: { at, by, from: 'production', to: 'archived', reason, action: 'demoted', replaced_by: version },
      });
    }
    production_version = version;
    production_history = [...production_history.filter((v) => v !== version), version];
  } else if (from === 'production') {
    // Withdrawn on purpose: a later rollback must not bring it back.
    production_version = undefined;
    production_history = production_history.filter((v) => v !== version);
  }
  changes.push({ version, change: { at, by, from, to, reason, action: 'moved' } });
  const next = apply({ ...index, production_history }, changes);
  if (production_version) next.production_version = production_version;
  else delete next.production_version;
  return { index: next, changes };
}

/** Production goes back to the version before the current one; the current one is archived. */
export function planRollback(o: Who & { index: ModelIndex }): StagePlan {
  const { index, reason, by, at } = o;
  const target = rollbackTarget(index);
  if ('problem' in target) throw new AppError({ code: 'CONFLICT', message: target.problem });
  const from = stateOf(index, target.previous).stage;
  assertMove({ name: index.name, version: target.previous, from, to: 'production' });
  const changes: StagePlan['changes'] = [
    { version: target.current, change: { at, by, from: 'production', to: 'archived', reason, action: 'rolled-back' } },
    { version: target.previous, change: { at, by, from, to: 'production', reason, action: 'rolled-back' } },
  ];
  const production_history = index.production_history.filter((v) => v !== target.current);
  return {
    index: { ...apply({ ...index, production_history }, changes), production_version: target.previous },
    changes,
  };
}
