import { randomUUID } from 'node:crypto';
import type { ModelLifecycleEvent, ModelVersionRecord, RollbackResponse, Stage } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { assembleRecord, type ModelIndex } from './model-index.ts';
import { planMove, planRollback, type StagePlan } from './stages.ts';
import { notFound, type RegistryDeps } from './deps.ts';

interface Who {
  reason: string;
  by: string;
  /** Compare-and-set on the production version (null: none); undefined: no precondition. */
  expectedProduction?: string | null | undefined;
}

function checkExpected(o: { name: string; index: ModelIndex; expected: string | null | undefined }): void {
  const actual = o.index.production_version ?? null;
  if (o.expected === undefined || o.expected === actual) return;
  throw new AppError({
    code: 'CONFLICT',
    message: `the production version of ${o.name} is ${actual ?? 'none'}, not ${o.expected ?? 'none'} as expected; nothing was changed`,
    errors: [{ path: 'expected_production_version', message: `production is ${actual ?? 'none'}` }],
  });
}

function lifecycleEvents(name: string, plan: StagePlan): ModelLifecycleEvent[] {
  const production = plan.index.production_version;
  return plan.changes.map(({ version, change }) => ({
    id: randomUUID(),
    model: name,
    version,
    from: change.from,
    to: change.to,
    action: change.action,
    ...(production ? { production_version: production } : {}),
    at: change.at,
    by: change.by,
    reason: change.reason,
  }));
}

async function record(deps: RegistryDeps, o: { index: ModelIndex; version: string }): Promise<ModelVersionRecord> {
  const value = await deps.store.version({ name: o.index.name, version: o.version });
  if (!value) throw new Error(`index of ${o.index.name} lists version ${o.version}, which has no record`);
  return assembleRecord(value, o.index.versions[o.version]!);
}

/**
 * Plans against the index and writes it back under the ETag it was read
 * with. Losing that race is retried only while what the decision rests on
 * (`basis`) is unchanged, e.g. when another version was merely registered
 * meanwhile; otherwise the request lost to a concurrent change: 409.
 */
async function applyPlan(
  deps: RegistryDeps,
  o: { name: string; what: string; basis(index: ModelIndex): string; plan(index: ModelIndex, at: string): StagePlan },
): Promise<StagePlan> {
  let decidedOn: string | undefined;
  let plan: StagePlan | undefined;
  const written = await deps.store.updateIndex({
    name: o.name,
    change: (index) => {
      if (!index) throw notFound(`unknown model ${o.name}`);
      const basis = o.basis(index);
      if (decidedOn !== undefined && decidedOn !== basis) {
        throw new AppError({
          code: 'CONFLICT',
          message: `${o.what}: the model changed while this request was being applied (another stage change won); nothing was changed, read it again and decide again`,
        });
      }
      decidedOn = basis;
      plan = o.plan(index, deps.clock().toISOString());
      return plan.index;
    },
  });
  // The plan of the last read is the one written: each retry plans again.
  if (!written || !plan) throw new Error(`${o.what}: the plan left the index as it was`);
  await deps.events.publish(lifecycleEvents(o.name, plan));
  return plan;
}

/** Moves a version to another stage; promoting to production archives the current production version at the same time. */
export async function changeStage(
  deps: RegistryDeps,
  o: Who & { name: string; version: string; to: Stage },
): Promise<ModelVersionRecord> {
  const plan = await applyPlan(deps, {
    name: o.name,
    what: `moving version ${o.version} of ${o.name} to ${o.to}`,
    basis: (index) => {
      const state = index.versions[o.version];
      if (!state) throw notFound(`model ${o.name} has no version ${o.version}`);
      checkExpected({ name: o.name, index, expected: o.expectedProduction });
      return `${state.stage}|${index.production_version ?? ''}`;
    },
    plan: (index, at) => planMove({ index, version: o.version, to: o.to, reason: o.reason, by: o.by, at }),
  });
  return record(deps, { index: plan.index, version: o.version });
}

/** The version that was production before the current one becomes production again; the current one is archived. */
export async function rollback(deps: RegistryDeps, o: Who & { name: string }): Promise<RollbackResponse> {
  const plan = await applyPlan(deps, {
    name: o.name,
    what: `rolling back ${o.name}`,
    basis: (index) => {
      checkExpected({ name: o.name, index, expected: o.expectedProduction });
      return `${index.production_version ?? ''}|${index.production_history.join(',')}`;
    },
    plan: (index, at) => planRollback({ index, reason: o.reason, by: o.by, at }),
  });
  const [archived, restored] = plan.changes.map((c) => c.version) as [string, string];
  const [production, previous] = await Promise.all([
    record(deps, { index: plan.index, version: restored }),
    record(deps, { index: plan.index, version: archived }),
  ]);
  return { production, archived: previous };
}
