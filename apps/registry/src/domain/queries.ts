import { createHash } from 'node:crypto';
import type { ModelSummary, ModelVersionRecord, ModelVersionSummary } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { assembleRecord, registeredVersions } from './model-index.ts';
import { notFound, type RegistryDeps } from './deps.ts';

export async function listModels(deps: RegistryDeps): Promise<ModelSummary[]> {
  const names = (await deps.store.catalogue())?.names ?? [];
  const indexes = await Promise.all(names.map((name) => deps.store.index(name)));
  return indexes.flatMap((value) => {
    if (!value) return [];
    const versions = registeredVersions(value);
    const latest = versions.at(-1);
    return [
      {
        name: value.name,
        ...(value.production_version ? { production_version: value.production_version } : {}),
        ...(latest ? { latest_version: latest } : {}),
        versions: versions.length,
      },
    ];
  });
}

/** Every registered version, oldest first, without its audit trail. */
export async function listVersions(deps: RegistryDeps, name: string): Promise<ModelVersionSummary[]> {
  const index = await deps.store.index(name);
  if (!index) throw notFound(`unknown model ${name}`);
  const versions = registeredVersions(index);
  const stored = await Promise.all(versions.map((v) => deps.store.version({ name, version: v })));
  return stored.flatMap((value, i) => {
    if (!value) return [];
    const { history: _history, ...summary } = assembleRecord(value, index.versions[versions[i]!]!);
    return [summary];
  });
}

/** A version counts once its registration completed, i.e. once the index lists it. */
export async function getVersion(
  deps: RegistryDeps,
  o: { name: string; version: string },
): Promise<ModelVersionRecord> {
  const index = await deps.store.index(o.name);
  if (!index) throw notFound(`unknown model ${o.name}`);
  const state = index.versions[o.version];
  const stored = state ? await deps.store.version(o) : undefined;
  if (!state || !stored) throw notFound(`model ${o.name} has no version ${o.version}`);
  return assembleRecord(stored, state);
}

/** Bytes are served only after they match the sha256 recorded at registration. */
export async function readArtifact(
  deps: RegistryDeps,
  o: { name: string; version: string },
): Promise<{ record: ModelVersionRecord; bytes: Buffer }> {
  const record = await getVersion(deps, o);
  const { path, sha256 } = record.artifact;
  const bytes = await deps.artifacts.get(path);
  if (!bytes)
    throw new AppError({
      code: 'INTERNAL',
      message: `the artifact of version ${o.version} of ${o.name} is missing from artifact storage (${path})`,
    });
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) {
    throw new AppError({
      code: 'INTERNAL',
      message: `checksum mismatch for the artifact of version ${o.version} of ${o.name} (${path}): expected sha256 ${sha256}, stored bytes have ${actual}${storedAsText(bytes, sha256)}; the stored artifact is corrupt or was replaced`,
    });
  }
  return { record, bytes };
}

/** A binding that did not decode base64 on write (Azure Blob without decodeBase64) stores the text instead of the bytes. */
function storedAsText(bytes: Buffer, sha256: string): string {
  const text = bytes.toString('latin1');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return '';
  const decoded = createHash('sha256').update(Buffer.from(text, 'base64')).digest('hex');
  return decoded === sha256
    ? ' (they are the base64 text of the right artifact: set decodeBase64: "true" on the artifacts binding)'
    : '';
}
