import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const MODEL_ARTIFACT_FILE = 'model.onnx';
export const MODEL_METADATA_FILE = 'model.json';

export interface ModelVersionRef {
  /** Root directory holding <name>/<version>/ folders (Triton model-repository layout). */
  repository: string;
  name: string;
  version: string;
}

export interface WriteModelVersionOptions extends ModelVersionRef {
  artifact: Uint8Array;
  /** File name of the artifact in the version folder (recorded in model.json); model.onnx by default. */
  artifactFile?: string;
  metadata: object;
  /** Model versions are immutable by default: rewriting one under the same number hides what was served. */
  overwrite?: boolean;
}

export type StoredModelMetadata = Record<string, unknown> & { sha256: string };

export interface ModelVersion {
  metadata: StoredModelMetadata;
  artifactPath: string;
}

/**
 * Writes model.onnx then model.json, each to a temp file renamed into place, so a reader
 * never sees a half-written file, and a version only counts as present once model.json is there.
 */
export async function writeModelVersion(
  options: WriteModelVersionOptions,
): Promise<{ directory: string; sha256: string }> {
  const directory = versionDirectory(options);
  const metadataPath = join(directory, MODEL_METADATA_FILE);
  if (!options.overwrite && (await exists(metadataPath))) {
    throw new Error(`model ${options.name} version ${options.version} already exists at ${directory}`);
  }
  await mkdir(directory, { recursive: true });
  const sha256 = sha256Hex(options.artifact);
  const artifact = checkSegment('artifactFile', options.artifactFile ?? MODEL_ARTIFACT_FILE);
  await writeAtomically(join(directory, artifact), options.artifact);
  const json = `${JSON.stringify({ ...options.metadata, artifact, sha256 }, null, 2)}\n`;
  await writeAtomically(metadataPath, new TextEncoder().encode(json));
  return { directory, sha256 };
}

/** Reads a version's metadata and checks model.onnx against the sha256 recorded at write time. */
export async function readModelVersion(ref: ModelVersionRef): Promise<ModelVersion> {
  const directory = versionDirectory(ref);
  const metadata = JSON.parse(await readFile(join(directory, MODEL_METADATA_FILE), 'utf8')) as StoredModelMetadata;
  if (typeof metadata.sha256 !== 'string') {
    throw new Error(`model ${ref.name} version ${ref.version}: ${MODEL_METADATA_FILE} has no sha256 checksum`);
  }
  const artifactPath = join(
    directory,
    checkSegment('artifact', typeof metadata.artifact === 'string' ? metadata.artifact : MODEL_ARTIFACT_FILE),
  );
  const actual = sha256Hex(await readFile(artifactPath));
  if (actual !== metadata.sha256) {
    throw new Error(
      `model ${ref.name} version ${ref.version}: checksum mismatch for ${artifactPath} ` +
        `(expected sha256 ${metadata.sha256}, found ${actual}); the artifact is corrupt or was replaced`,
    );
  }
  return { metadata, artifactPath };
}

/** Complete versions (those with a model.json), in numeric order: "10" sorts after "9". */
export async function listModelVersions(options: { repository: string; name: string }): Promise<string[]> {
  const modelDirectory = join(options.repository, checkSegment('name', options.name));
  let entries: string[];
  try {
    entries = await readdir(modelDirectory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const versions: string[] = [];
  for (const entry of entries) {
    if (VERSION_PATTERN.test(entry) && (await exists(join(modelDirectory, entry, MODEL_METADATA_FILE)))) {
      versions.push(entry);
    }
  }
  return versions.sort((a, b) => Number(a) - Number(b));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// Integer versions, as Triton's model repository expects; no leading zeros, so "7" and "07" cannot both exist.
const VERSION_PATTERN = /^(0|[1-9][0-9]*)$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function versionDirectory(ref: ModelVersionRef): string {
  if (!VERSION_PATTERN.test(ref.version)) {
    throw new Error(`model version must be a non-negative integer string, got "${ref.version}"`);
  }
  return join(ref.repository, checkSegment('name', ref.name), ref.version);
}

// Names become path segments; rejecting separators and dot-segments keeps writes inside the repository.
function checkSegment(what: string, value: string): string {
  if (!NAME_PATTERN.test(value) || value.includes('..')) {
    throw new Error(`model ${what} must match ${NAME_PATTERN} without "..", got "${value}"`);
  }
  return value;
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      // Flush before rename so a crash cannot leave the final name pointing at empty data.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
