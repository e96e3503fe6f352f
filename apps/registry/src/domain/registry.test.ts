import { beforeEach, describe, expect, it } from 'vitest';
import type { ModelLifecycleEvent } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { MemoryArtifacts, MemoryEvents, RacingState, memoryRecords } from '../testing/fakes.ts';
import { changeStage, rollback } from './change-stage.ts';
import type { RegistryDeps } from './deps.ts';
import { listModels, listVersions, readArtifact } from './queries.ts';
import { registerVersion } from './register-version.ts';

const card = {
  platform: 'onnx' as const,
  inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1] }],
  outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [-1] }],
  created_at: '2025-01-01T00:00:00Z',
};

let state: RacingState;
let artifacts: MemoryArtifacts;
let events: ModelLifecycleEvent[];
let deps: RegistryDeps;
beforeEach(() => {
  state = new RacingState();
  artifacts = new MemoryArtifacts();
  const broker = new MemoryEvents();
  events = broker.published;
  deps = { store: memoryRecords(state), artifacts, events: broker, clock: () => new Date(), maxArtifactBytes: 1024 };
});

const register = (name = 'm', bytes = Buffer.from([1, 2, 3])) =>
  registerVersion(deps, {
    name,
    artifact: bytes,
    artifactFile: 'model.onnx',
    card,
    registeredBy: 'training',
    by: 'training',
  });
const move = (version: string, to: 'staging' | 'production' | 'archived' | 'candidate') =>
  changeStage(deps, { name: 'm', version, to, reason: 'test', by: 'alice' });
const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: unknown) => (err instanceof AppError ? err.status : 500),
  );

describe('registering versions', () => {
  it('when twenty registrations of one model run at once, then each gets its own number, 1 to 20', async () => {
    const records = await Promise.all(Array.from({ length: 20 }, () => register()));
    expect(records.map((r) => Number(r.version)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(state.lost).toBeGreaterThan(0);
    expect((await listVersions(deps, 'm')).map((v) => v.version)).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1)),
    );
  });

  it('when new models are registered at once, then the catalogue lists every one', async () => {
    await Promise.all(['a', 'b', 'c', 'd'].map((n) => register(n)));
    expect((await listModels(deps)).map((m) => m.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('when registered, then the record carries sha256, size and a registration entry, and an event is published', async () => {
    const r = await register('m', Buffer.from('hello'));
    expect(r).toMatchObject({
      version: '1',
      stage: 'candidate',
      artifact: {
        sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
        size: 5,
        path: 'm/1/model.onnx',
      },
    });
    expect(r.metadata).toMatchObject({ name: 'm', version: '1' });
    expect(events).toMatchObject([{ model: 'm', version: '1', from: null, to: 'candidate', action: 'registered' }]);
  });

  it('when the artifact is over the limit, then 413 and no number is used', async () => {
    await expect(status(register('m', Buffer.alloc(2000)))).resolves.toBe(413);
    expect((await register()).version).toBe('1');
  });
});

describe('stage changes', () => {
  it('when two versions are promoted to production at once, then exactly one wins and the other gets 409', async () => {
    await register();
    await register();
    const results = await Promise.all([status(move('1', 'production')), status(move('2', 'production'))]);
    expect(results.sort()).toEqual([200, 409]);
    const versions = await listVersions(deps, 'm');
    expect(versions.filter((v) => v.stage === 'production')).toHaveLength(1);
    expect(versions.filter((v) => v.stage === 'candidate')).toHaveLength(1);
  });

  it('when a version is registered while another is promoted, then both succeed (an unrelated write is retried, not refused)', async () => {
    await register();
    // Both read the index at the same moment: one of the two writes is refused.
    state.holdReads(2);
    const [promoted, registered] = await Promise.all([status(move('1', 'production')), status(register())]);
    expect([promoted, registered]).toEqual([200, 200]);
    expect(state.lost).toBeGreaterThan(0);
  });

  it('when promoting, rolling back and rolling back again, then production follows the audit trail and the last rollback is 409', async () => {
    for (let i = 0; i < 3; i++) await register();
    await move('1', 'production');
    await move('2', 'staging');
    await move('2', 'production');
    await move('3', 'production');
    expect((await listModels(deps))[0]).toMatchObject({ production_version: '3' });
    const first = await rollback(deps, { name: 'm', reason: 'v3 misbehaves', by: 'bob' });
    expect([first.production.version, first.archived.version]).toEqual(['2', '3']);
    const second = await rollback(deps, { name: 'm', reason: 'v2 too', by: 'bob' });
    expect(second.production.version).toBe('1');
    await expect(status(rollback(deps, { name: 'm', reason: 'again', by: 'bob' }))).resolves.toBe(409);
    expect(events.filter((e) => e.action === 'rolled-back')).toHaveLength(4);
  });

  it('when a model or version is unknown, then 404', async () => {
    await expect(status(move('1', 'staging'))).resolves.toBe(404);
    await register();
    await expect(status(move('7', 'staging'))).resolves.toBe(404);
  });
});

describe('reading artifacts', () => {
  it('when the stored bytes no longer match, then a 500 names the checksum mismatch', async () => {
    await register('m', Buffer.from('abc'));
    expect((await readArtifact(deps, { name: 'm', version: '1' })).bytes.toString()).toBe('abc');
    artifacts.files.set('m/1/model.onnx', Buffer.from('abd'));
    await expect(readArtifact(deps, { name: 'm', version: '1' })).rejects.toThrow(
      /checksum mismatch .* expected sha256 ba7816bf/,
    );
  });

  it('when a binding stored the base64 text instead of the bytes, then the message says how to fix it', async () => {
    await register('m', Buffer.from('abc'));
    artifacts.files.set('m/1/model.onnx', Buffer.from(Buffer.from('abc').toString('base64')));
    await expect(readArtifact(deps, { name: 'm', version: '1' })).rejects.toThrow(/decodeBase64/);
  });
});

describe('compare-and-set on the production version', () => {
  it('when two callers promote one after the other, both expecting the production version they saw, then the second gets 409', async () => {
    await register();
    await register();
    await register();
    await move('1', 'production');
    const promote = (version: string) =>
      changeStage(deps, { name: 'm', version, to: 'production', reason: 'mine', by: 'x', expectedProduction: '1' });
    await expect(status(promote('2'))).resolves.toBe(200);
    await expect(promote('3')).rejects.toThrow(/production version of m is 2, not 1/);
  });

  it('when a rollback expects a production version that is no longer current, then 409 and production stays', async () => {
    await register();
    await register();
    await move('1', 'production');
    await move('2', 'production');
    await expect(status(rollback(deps, { name: 'm', reason: 'r', by: 'x', expectedProduction: '1' }))).resolves.toBe(
      409,
    );
    expect((await listModels(deps))[0]!.production_version).toBe('2');
  });
});

describe('a model whose index stays contended', () => {
  it('when every write of a stage change loses to another writer, then 503 names the key and asks to retry later', async () => {
    await register();
    state.conflicts = 30;
    const err = await move('1', 'staging').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 503, message: expect.stringContaining('model:m') });
    expect((await listVersions(deps, 'm'))[0]!.stage).toBe('candidate');
  });
});
