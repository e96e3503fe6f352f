import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { JWT_VERIFICATION_KEYS_SECRET, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@meridian/contracts';
import { currentSigningKey, ensureDevSecrets, rotateDevSigningKey } from './dev-secrets.ts';
import { signDevToken } from './dev-token.ts';

const T0 = Date.UTC(2026, 10, 29, 12);
let dataDir = '';

async function verify(token: string, now = T0) {
  const keys = createLocalJWKSet(
    JSON.parse(ensureDevSecrets(dataDir, { now: () => now })[JWT_VERIFICATION_KEYS_SECRET]!),
  );
  return jwtVerify(token, keys, {
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    algorithms: ['ES256'],
    currentDate: new Date(now),
  });
}

describe('signDevToken', () => {
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'meridian-token-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when called with a data dir and roles only, then it signs ES256 with the current kid, iat and a 12 h exp', async () => {
    const token = await signDevToken({ dataDir, roles: ['predict'], now: () => T0 });
    const { payload, protectedHeader } = await verify(token);
    expect(protectedHeader).toEqual({
      alg: 'ES256',
      kid: currentSigningKey(ensureDevSecrets(dataDir)).kid,
      typ: 'JWT',
    });
    expect(payload).toEqual({
      sub: 'dev',
      roles: ['predict'],
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      iat: T0 / 1000,
      exp: T0 / 1000 + 12 * 3600,
    });
  });

  it('when the ttl is above the cap, then it is refused with a message naming the maximum', async () => {
    await expect(signDevToken({ dataDir, roles: ['admin'], ttl: '25h' })).rejects.toThrow(
      'ttl "25h" (90000 s) is longer than the maximum token lifetime of 86400 s (TOKEN_MAX_TTL_SECONDS)',
    );
    await expect(signDevToken({ dataDir, roles: ['admin'], ttl: '2h', maxTtlSeconds: 3600 })).rejects.toThrow(
      /maximum token lifetime of 3600 s/,
    );
    await expect(signDevToken({ dataDir, roles: ['admin'], ttl: 'forever' })).rejects.toThrow(/not a duration/);
  });

  it('when the cap is below the default ttl, then the default shrinks to the cap', async () => {
    const { payload } = await verify(
      await signDevToken({ dataDir, roles: ['ingest'], maxTtlSeconds: 600, now: () => T0 }),
    );
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('when secrets.json still holds the old HS256 secret, then it is migrated and the token is signed with the new key', async () => {
    writeFileSync(
      join(dataDir, 'secrets.json'),
      JSON.stringify({ 'jwt-signing-key': 'old-hs-secret', other: 'kept' }),
      { mode: 0o600 },
    );
    const token = await signDevToken({ dataDir, roles: ['predict'] });
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
    await expect(verify(token, Date.now())).resolves.toBeDefined();
    expect(ensureDevSecrets(dataDir).other).toBe('kept');
  });

  it('when the key was rotated, then new tokens carry the new kid', async () => {
    const before = decodeProtectedHeader(await signDevToken({ dataDir, roles: ['predict'] })).kid;
    const { kid } = rotateDevSigningKey({ dataDir });
    const after = decodeProtectedHeader(await signDevToken({ dataDir, roles: ['predict'] })).kid;
    expect([after, after === before]).toEqual([kid, false]);
  });
});
