import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JWT_SIGNING_KEYS_SECRET, JWT_VERIFICATION_KEYS_SECRET, VerificationKeySet } from '@meridian/contracts';
import { currentSigningKey, durationSeconds, ensureDevSecrets, rotateDevSigningKey } from './dev-secrets.ts';

const T0 = Date.UTC(2026, 10, 29, 12);
const HOUR = 3_600_000;
let dataDir = '';
const file = () => join(dataDir, 'secrets.json');
const onDisk = () => JSON.parse(readFileSync(file(), 'utf8')) as Record<string, string>;
const kidsOf = (secrets: Record<string, string>, name: string) =>
  (JSON.parse(secrets[name]!) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe('ensureDevSecrets', () => {
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'meridian-secrets-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when there is no secrets.json, then one is made, owner-only, with a current key in both secrets', () => {
    const secrets = ensureDevSecrets(dataDir, { now: () => T0 });
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect(onDisk()).toEqual(secrets);
    const current = currentSigningKey(secrets);
    expect(current).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', created_at: new Date(T0).toISOString() });
    expect(current.retire_at).toBeUndefined();
    const publicSet = VerificationKeySet.parse(JSON.parse(secrets[JWT_VERIFICATION_KEYS_SECRET]!));
    expect(publicSet.keys).toEqual([
      { kid: current.kid, kty: 'EC', crv: 'P-256', x: current.x, y: current.y, alg: 'ES256', use: 'sig' },
    ]);
  });

  it('when it runs again, then the file and its key stay as they are', () => {
    const first = ensureDevSecrets(dataDir);
    expect(ensureDevSecrets(dataDir)).toEqual(first);
  });

  it('when secrets.json holds the old HS256 secret, then it is replaced by a key pair and the other secrets stay untouched', () => {
    writeFileSync(
      file(),
      JSON.stringify({ 'jwt-signing-key': 'old-hs-secret', 's3-bucket': 'models', 'cosmos-url': 'https://c' }),
      { mode: 0o600 },
    );
    const secrets = ensureDevSecrets(dataDir);
    expect(onDisk()).toEqual(secrets);
    expect(secrets['jwt-signing-key']).toBeUndefined();
    expect(secrets).toMatchObject({ 's3-bucket': 'models', 'cosmos-url': 'https://c' });
    expect(kidsOf(secrets, JWT_VERIFICATION_KEYS_SECRET)).toEqual([currentSigningKey(secrets).kid]);
  });

  it('when the verification keys were lost, then they are made again from the signing keys', () => {
    const { [JWT_VERIFICATION_KEYS_SECRET]: publicKeys, ...rest } = ensureDevSecrets(dataDir);
    writeFileSync(file(), JSON.stringify(rest));
    expect(ensureDevSecrets(dataDir)[JWT_VERIFICATION_KEYS_SECRET]).toBe(publicKeys);
  });

  it('when the signing keys are malformed, then it refuses rather than overwrite them', () => {
    writeFileSync(file(), JSON.stringify({ [JWT_SIGNING_KEYS_SECRET]: JSON.stringify({ keys: [{ kid: 'x' }] }) }));
    expect(() => ensureDevSecrets(dataDir)).toThrow(/jwt-signing-keys is malformed/);
  });
});

describe('rotateDevSigningKey', () => {
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'meridian-secrets-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when a key is rotated, then the new key is current and the old one verifies until now + overlap, then leaves both sets', () => {
    const old = currentSigningKey(ensureDevSecrets(dataDir, { now: () => T0 }));
    const rotated = rotateDevSigningKey({ dataDir, overlap: '2h', now: () => T0 + HOUR });
    expect(rotated.retiring).toEqual([{ kid: old.kid, retire_at: new Date(T0 + 3 * HOUR).toISOString() }]);
    const during = ensureDevSecrets(dataDir, { now: () => T0 + 3 * HOUR - 1 });
    expect(currentSigningKey(during).kid).toBe(rotated.kid);
    expect(kidsOf(during, JWT_VERIFICATION_KEYS_SECRET)).toEqual([rotated.kid, old.kid]);
    expect(kidsOf(during, JWT_SIGNING_KEYS_SECRET)).toEqual([rotated.kid, old.kid]);
    const after = ensureDevSecrets(dataDir, { now: () => T0 + 3 * HOUR });
    expect(kidsOf(after, JWT_VERIFICATION_KEYS_SECRET)).toEqual([rotated.kid]);
    expect(kidsOf(onDisk(), JWT_SIGNING_KEYS_SECRET)).toEqual([rotated.kid]);
  });

  it('when no overlap is given, then the old key retires after the longest token lifetime (24 h)', () => {
    ensureDevSecrets(dataDir, { now: () => T0 });
    const { retiring } = rotateDevSigningKey({ dataDir, now: () => T0 });
    expect(retiring[0]?.retire_at).toBe(new Date(T0 + 24 * HOUR).toISOString());
  });

  it('when keys are rotated twice inside the overlap, then a retiring key keeps its own retire_at', () => {
    const first = currentSigningKey(ensureDevSecrets(dataDir, { now: () => T0 }));
    const second = rotateDevSigningKey({ dataDir, overlap: '1h', now: () => T0 });
    const third = rotateDevSigningKey({ dataDir, overlap: '1h', now: () => T0 + HOUR / 2 });
    expect(third.retiring).toEqual([
      { kid: second.kid, retire_at: new Date(T0 + 1.5 * HOUR).toISOString() },
      { kid: first.kid, retire_at: new Date(T0 + HOUR).toISOString() },
    ]);
  });

  it('when the overlap is zero, then the old key leaves at once', () => {
    ensureDevSecrets(dataDir, { now: () => T0 });
    const { kid, retiring } = rotateDevSigningKey({ dataDir, overlap: 0, now: () => T0 });
    expect(retiring).toEqual([]);
    expect(kidsOf(onDisk(), JWT_VERIFICATION_KEYS_SECRET)).toEqual([kid]);
  });
});

describe('durationSeconds', () => {
  it('when given seconds or text with a unit, then it answers seconds, and refuses anything else', () => {
    expect([
      durationSeconds(90, { what: 'ttl' }),
      durationSeconds('30m', { what: 'ttl' }),
      durationSeconds('12h', { what: 'ttl' }),
      durationSeconds('1d', { what: 'ttl' }),
    ]).toEqual([90, 1800, 43_200, 86_400]);
    for (const bad of ['', '1w', '-5m', '1.5h', 'soon', 0])
      expect(() => durationSeconds(bad, { what: 'ttl' })).toThrow(/not a duration/);
  });
});
