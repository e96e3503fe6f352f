import { describe, expect, it } from 'vitest';
import { Stage } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import type { ModelIndex } from './model-index.ts';
import { ALLOWED_MOVES, canMove, planMove, planRollback } from './stages.ts';

const at = '2025-01-01T00:00:00.000Z';
const who = { reason: 'why', by: 'alice', at };

function index(stages: Record<string, Stage>, production_history: string[] = []): ModelIndex {
  const production = Object.entries(stages).find(([, s]) => s === 'production')?.[0];
  const versions = Object.fromEntries(
    Object.entries(stages).map(([v, stage]) => [v, { stage, updated_at: at, history: [] }]),
  );
  return {
    name: 'm',
    last_version: Object.keys(stages).length,
    versions,
    production_history,
    created_at: at,
    updated_at: at,
    ...(production ? { production_version: production } : {}),
  };
}
const stages = (i: ModelIndex) => Object.fromEntries(Object.entries(i.versions).map(([v, s]) => [v, s.stage]));

describe('the stage machine', () => {
  it('when any pair of stages is tried, then exactly the documented moves are allowed', () => {
    const allowed = Stage.options.flatMap((from) =>
      Stage.options.filter((to) => canMove(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual([
      'archived->production',
      'archived->staging',
      'candidate->archived',
      'candidate->production',
      'candidate->staging',
      'production->archived',
      'staging->archived',
      'staging->candidate',
      'staging->production',
    ]);
    expect(Object.keys(ALLOWED_MOVES).sort()).toEqual([...Stage.options].sort());
  });

  it('when a move is not allowed, then a 409 names from and to', () => {
    for (const [from, to] of [
      ['production', 'staging'],
      ['archived', 'candidate'],
      ['candidate', 'candidate'],
    ] as const) {
      try {
        planMove({ ...who, index: index({ 1: from }, from === 'production' ? ['1'] : []), version: '1', to });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).status).toBe(409);
        expect((err as AppError).message).toContain(`cannot move from ${from} to ${to}`);
      }
    }
  });

  it('when a version is promoted to production, then the current production version is archived in the same plan', () => {
    const plan = planMove({
      ...who,
      index: index({ 1: 'production', 2: 'staging' }, ['1']),
      version: '2',
      to: 'production',
    });
    expect(plan.index).toMatchObject({ production_version: '2', production_history: ['1', '2'] });
    expect(stages(plan.index)).toEqual({ 1: 'archived', 2: 'production' });
    expect(plan.changes).toEqual([
      { version: '1', change: { ...who, from: 'production', to: 'archived', action: 'demoted', replaced_by: '2' } },
      { version: '2', change: { ...who, from: 'staging', to: 'production', action: 'moved' } },
    ]);
    expect(plan.index.versions['1']!.history).toHaveLength(1);
  });

  it('when the production version is archived, then the model has no production version and a rollback cannot bring it back', () => {
    const plan = planMove({
      ...who,
      index: index({ 1: 'archived', 2: 'production' }, ['1', '2']),
      version: '2',
      to: 'archived',
    });
    expect(plan.index.production_version).toBeUndefined();
    expect(plan.index.production_history).toEqual(['1']);
    expect(() => planRollback({ ...who, index: plan.index })).toThrow(/no production version/);
  });

  it('when rolling back, then the previous production version returns and the current one is archived', () => {
    const plan = planRollback({ ...who, index: index({ 1: 'archived', 2: 'production' }, ['1', '2']) });
    expect(plan.index).toMatchObject({ production_version: '1', production_history: ['1'] });
    expect(stages(plan.index)).toEqual({ 1: 'production', 2: 'archived' });
    expect(
      plan.changes.map(({ version, change }) => `${version}:${change.from}->${change.to}:${change.action}`),
    ).toEqual(['2:production->archived:rolled-back', '1:archived->production:rolled-back']);
  });

  it('when nothing was production before the current version, then a rollback is a 409', () => {
    expect(() => planRollback({ ...who, index: index({ 1: 'production' }, ['1']) })).toThrow(
      /no earlier production version/,
    );
  });
});
