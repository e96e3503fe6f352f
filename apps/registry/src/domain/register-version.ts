import { createHash, randomUUID } from 'node:crypto';
import type { ModelCard, ModelVersionRecord, StageChange } from '@meridian/contracts';
import { AppError, badRequest, requestLogger } from '@meridian/service-kit';
import {
  assembleRecord,
  reserveVersion,
  withRegisteredVersion,
  type ModelIndex,
  type StoredVersion,
} from './model-index.ts';
import { artifactPath, type RegistryDeps } from './deps.ts';

export interface Registration {
  name: string;
  artifact: Buffer;
  artifactFile: string;
  card: ModelCard;
  codeVersion?: string | undefined;
  registeredBy: string;
  /** The authenticated caller, for the audit trail. */
  by: string;
}

/** Adds a new model's name to the catalogue (before its index exists, so listing can only miss a model still being created). */
async function ensureListed(deps: RegistryDeps, name: string): Promise<void> {
  await deps.store.updateCatalogue((catalogue) => {
    const names = catalogue?.names ?? [];
    return names.includes(name) ? undefined : { names: [...names, name].sort() };
  });
}

/** Hands out the next number under the index's ETag: concurrent registrations each get their own. */
async function reserve(deps: RegistryDeps, name: string): Promise<string> {
  if (!(await deps.store.index(name))) await ensureListed(deps, name);
  let version = '';
  await deps.store.updateIndex({
    name,
    change: (index) => {
      const reserved = reserveVersion(index, { name, at: deps.clock().toISOString() });
      version = reserved.version;
      return reserved.index;
    },
  });
  return version;
}

async function listAsCandidate(
  deps: RegistryDeps,
  o: { name: string; version: string; change: StageChange },
): Promise<ModelIndex> {
  const index = await deps.store.updateIndex({
    name: o.name,
    change: (current) => {
      if (!current) throw new Error(`index of ${o.name} vanished after version ${o.version} was reserved`);
      return withRegisteredVersion(current, o);
    },
  });
  if (!index) throw new Error(`listing version ${o.version} of ${o.name} left its index as it was`);
  return index;
}

function checkRegistration(deps: RegistryDeps, r: Registration): void {
  if (r.card.name !== undefined && r.card.name !== r.name) {
    throw badRequest(`metadata.name is "${r.card.name}" but the model is "${r.name}"`, [
      { path: 'metadata.name', message: `must be "${r.name}" or absent` },
    ]);
  }
  if (r.artifact.length > deps.maxArtifactBytes) {
    throw new AppError({
      code: 'PAYLOAD_TOO_LARGE',
      message: `the artifact is ${r.artifact.length} bytes; the limit is ${deps.maxArtifactBytes}`,
    });
  }
}

/**
 * Registers a version: reserve a number, store the bytes under
 * <name>/<version>/<file>, write the version's record, then list it in the
 * index as a candidate. A failure in between leaves a gap in the numbering,
 * never a listed version without its artifact.
 */
export async function registerVersion(deps: RegistryDeps, r: Registration): Promise<ModelVersionRecord> {
  checkRegistration(deps, r);
  const sha256 = createHash('sha256').update(r.artifact).digest('hex');
  const version = await reserve(deps, r.name);
  const path = artifactPath({ name: r.name, version, file: r.artifactFile });
  await deps.artifacts.put({ path, bytes: r.artifact });

  const at = deps.clock().toISOString();
  const card: ModelCard = { ...r.card, name: r.name, version };
  const stored: StoredVersion = {
    name: r.name,
    version,
    artifact: { file: r.artifactFile, sha256, size: r.artifact.length, path },
    platform: card.platform,
    ...(card.metrics ? { metrics: card.metrics } : {}),
    ...(card.dataset?.hash ? { dataset_hash: card.dataset.hash } : {}),
    ...(r.codeVersion ? { code_version: r.codeVersion } : {}),
    registered_by: r.registeredBy,
    created_at: at,
    metadata: card,
  };
  const change: StageChange = { at, by: r.by, from: null, to: 'candidate', reason: 'registered', action: 'registered' };
  let index: ModelIndex;
  try {
    if (!(await deps.store.insertVersion(stored))) throw new Error(`version ${version} of ${r.name} is already stored`);
    index = await listAsCandidate(deps, { name: r.name, version, change });
  } catch (err) {
    await deps.artifacts
      .remove(path)
      .catch((cause: unknown) =>
        requestLogger().warn({ err: cause, path }, 'could not remove the artifact of a failed registration'),
      );
    throw err;
  }
  const production = index.production_version;
  await deps.events.publish([
    { id: randomUUID(), model: r.name, version, ...change, ...(production ? { production_version: production } : {}) },
  ]);
  return assembleRecord(stored, index.versions[version]!);
}
