import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listModelVersions, readModelVersion, sha256Hex, writeModelVersion } from './model-repository.ts';

let repository: string;
const artifact = Uint8Array.from([8, 8, 18, 8, 109, 101, 114, 105, 100, 105, 97, 110]);
const metadata = { name: 'demo', threshold: 0.42, inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }] };

beforeEach(async () => {
  repository = await mkdtemp(join(tmpdir(), 'meridian-ml-repo-'));
});

afterEach(async () => {
  await rm(repository, { recursive: true, force: true });
});

describe('writeModelVersion / readModelVersion', () => {
  it('when a version is written and read back, then metadata and artifact round-trip with their checksum', async () => {
    await writeModelVersion({ repository, name: 'demo', version: '1', artifact, metadata });
    const { metadata: read, artifactPath } = await readModelVersion({ repository, name: 'demo', version: '1' });
    expect(read).toEqual({ ...metadata, artifact: 'model.onnx', sha256: sha256Hex(artifact) });
    expect(artifactPath).toBe(join(repository, 'demo', '1', 'model.onnx'));
    expect(new Uint8Array(await readFile(artifactPath))).toEqual(artifact);
  });

  it('when written, then no temporary files are left beside model.onnx and model.json', async () => {
    await writeModelVersion({ repository, name: 'demo', version: '1', artifact, metadata });
    expect((await readdir(join(repository, 'demo', '1'))).sort()).toEqual(['model.json', 'model.onnx']);
  });

  it('when one byte of the artifact is flipped, then reading throws a checksum error', async () => {
    await writeModelVersion({ repository, name: 'demo', version: '1', artifact, metadata });
    const path = join(repository, 'demo', '1', 'model.onnx');
    const corrupted = new Uint8Array(await readFile(path));
    corrupted[3] = corrupted[3]! ^ 0xff;
    await writeFile(path, corrupted);
    await expect(readModelVersion({ repository, name: 'demo', version: '1' })).rejects.toThrow(/checksum mismatch/);
  });

  it('when the version already exists, then writing again is refused unless overwrite is set', async () => {
    await writeModelVersion({ repository, name: 'demo', version: '1', artifact, metadata });
    await expect(writeModelVersion({ repository, name: 'demo', version: '1', artifact, metadata })).rejects.toThrow(
      /already exists/,
    );
    const replaced = Uint8Array.from([1, 2, 3]);
    await writeModelVersion({ repository, name: 'demo', version: '1', artifact: replaced, metadata, overwrite: true });
    const { metadata: read } = await readModelVersion({ repository, name: 'demo', version: '1' });
    expect(read.sha256).toBe(sha256Hex(replaced));
  });

  it('when the name or version could escape the repository, then it is rejected', async () => {
    await expect(writeModelVersion({ repository, name: '../evil', version: '1', artifact, metadata })).rejects.toThrow(
      /model name/,
    );
    await expect(writeModelVersion({ repository, name: 'demo', version: '../1', artifact, metadata })).rejects.toThrow(
      /model version/,
    );
  });
});

describe('listModelVersions', () => {
  it('when versions 10, 2 and 1 exist, then they are listed in numeric order', async () => {
    for (const version of ['10', '2', '1']) {
      await writeModelVersion({ repository, name: 'demo', version, artifact, metadata });
    }
    expect(await listModelVersions({ repository, name: 'demo' })).toEqual(['1', '2', '10']);
  });

  it('when a version folder has no model.json or a non-numeric name, then it is not listed', async () => {
    await writeModelVersion({ repository, name: 'demo', version: '1', artifact, metadata });
    await mkdir(join(repository, 'demo', '2'), { recursive: true });
    await writeFile(join(repository, 'demo', '2', 'model.onnx'), artifact);
    await mkdir(join(repository, 'demo', 'latest'), { recursive: true });
    expect(await listModelVersions({ repository, name: 'demo' })).toEqual(['1']);
  });

  it('when the model has never been written, then the list is empty', async () => {
    expect(await listModelVersions({ repository, name: 'nothing' })).toEqual([]);
  });
});
