import { execFileSync } from 'node:child_process';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair, importJWK, type JWK } from 'jose';
import {
  JWT_SIGNING_KEYS_SECRET,
  JWT_VERIFICATION_KEYS_SECRET,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
} from '@meridian/contracts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Tokens an attacker would try against the gateway, each refused for one
 * reason. The real dev key (from the platform's secrets.json) signs the
 * ones whose flaw is in the claims, so only that flaw can be why they fail.
 */
export async function forgedTokens(dataDir: string): Promise<Record<string, string>> {
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
  const signing = (
    JSON.parse(secrets[JWT_SIGNING_KEYS_SECRET]!) as { keys: (JWK & { retire_at?: string })[] }
  ).keys.find((k) => !k.retire_at)!;
  const publicJwk = (JSON.parse(secrets[JWT_VERIFICATION_KEYS_SECRET]!) as { keys: JWK[] }).keys.find(
    (k) => k.kid === signing.kid,
  )!;
  const { kid, kty, crv, x, y, d } = signing;
  const realKey = await importJWK({ kty, crv, x, y, d } as JWK, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  const claims = { roles: ['admin'] };
  const build = (o: { iss?: string; aud?: string; iat?: number; exp?: number | null; nbf?: number }) => {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: kid! })
      .setSubject('mallory')
      .setIssuer(o.iss ?? TOKEN_ISSUER)
      .setAudience(o.aud ?? TOKEN_AUDIENCE)
      .setIssuedAt(o.iat ?? now);
    if (o.exp !== null) jwt.setExpirationTime(o.exp ?? now + 600);
    if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
    return jwt.sign(realKey);
  };
  const other = await generateKeyPair('ES256');
  const publicPem = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const hs = (secret: string) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: kid! })
      .setSubject('mallory')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(secret));
  return {
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', roles: ['admin'], iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 600 })}.`,
    'another key under the real kid': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: kid! })
      .setSubject('mallory')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(other.privateKey),
    'HS256 keyed with the public key (PEM)': await hs(publicPem),
    'HS256 keyed with the public key (JWK)': await hs(JSON.stringify(publicJwk)),
    expired: await build({ iat: now - 7200, exp: now - 3600 }),
    'not yet valid': await build({ nbf: now + 3600, exp: now + 7200 }),
    'wrong issuer': await build({ iss: 'https://evil.example' }),
    'wrong audience': await build({ aud: 'another-service' }),
    'no exp': await build({ exp: null }),
    'lifetime over the cap': await build({ exp: now + 30 * 86400 }),
    'signature cut off': (await build({})).split('.').slice(0, 2).join('.') + '.',
  };
}

/** A CA and a client certificate claiming the gateway's SPIFFE id, from outside the platform's trust. */
export function foreignClientCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'foreign-ca-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    run([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      '/CN=foreign-ca',
      '-days',
      '1',
    ]);
    run([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'client.key',
      '-out',
      'client.csr',
      '-subj',
      '/CN=gateway',
    ]);
    execFileSync('bash', ['-c', 'printf "subjectAltName=URI:spiffe://public/ns/default/gateway\\n" > ext.cnf'], {
      cwd: dir,
    });
    run([
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'client.crt',
      '-days',
      '1',
      '-extfile',
      'ext.cnf',
    ]);
    return { cert: readFileSync(join(dir, 'client.crt'), 'utf8'), key: readFileSync(join(dir, 'client.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
