import { createHmac, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLocalJWKSet, SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { createTestIssuer, type TestTokenOptions } from './test-issuer.ts';
import { verifyToken, type TokenPolicy } from './token-verifier.ts';

const NOW = Date.UTC(2026, 10, 29, 12);
const nowS = NOW / 1000;
const issuer = await createTestIssuer({ kid: 'k1' });
const impostor = await createTestIssuer({ kid: 'k1' });
const getKey = createLocalJWKSet({ keys: [issuer.publicJwk] });
const policy: TokenPolicy = {
  issuer: TOKEN_ISSUER,
  audience: TOKEN_AUDIENCE,
  algorithms: ['ES256'],
  clockToleranceSeconds: 30,
  maxTtlSeconds: 86_400,
  rolesClaim: 'roles',
  subjectClaim: 'sub',
};

const verify = (token: string, p: Partial<TokenPolicy> = {}) =>
  verifyToken({ token, getKey, policy: { ...policy, ...p }, now: NOW });
const sign = (t: TestTokenOptions = {}) => issuer.sign({ now: NOW, ...t });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function refused(token: string | Promise<string>, reason: RegExp, p: Partial<TokenPolicy> = {}) {
  const err = await verify(await token, p).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('UNAUTHENTICATED');
  expect((err as AppError).headers).toEqual({ 'www-authenticate': 'Bearer error="invalid_token"' });
  expect((err as AppError).message).toMatch(reason);
}

describe('verifyToken', () => {
  it('when the token is valid, then its subject, roles, expiry and kid come back', async () => {
    const { principal, kid } = await verify(await sign({ claims: { roles: ['predict', 'admin'] } }));
    expect(principal).toEqual({ subject: 'alice', roles: ['predict', 'admin'], expiresAt: NOW + 3_600_000 });
    expect(kid).toBe('k1');
  });

  it('when the token is unsigned (alg none), then it is an invalid token', async () => {
    const unsigned = `${b64({ alg: 'none', kid: 'k1' })}.${b64({ sub: 'eve', roles: ['admin'], iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: nowS, exp: nowS + 60 })}.`;
    await refused(unsigned, /^invalid token$/);
  });

  it('when the token is signed with another key under the same kid, then it is an invalid token', async () => {
    await refused(impostor.sign({ now: NOW, claims: { roles: ['admin'] } }), /^invalid token$/);
  });

  it('when an HS256 token is signed with the public key as the HMAC secret, then it is an invalid token', async () => {
    const claims = { sub: 'eve', roles: ['admin'], iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: nowS, exp: nowS + 60 };
    const pem = createPublicKey({ key: issuer.publicJwk as never, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    for (const secret of [pem, JSON.stringify(issuer.publicJwk)]) {
      const viaJose = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .sign(new TextEncoder().encode(String(secret)));
      await refused(viaJose, /^invalid token$/);
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64(claims)}`;
      await refused(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`, /^invalid token$/);
      // Even a policy that (wrongly) lists HS256 never gets a secret out of a public key set.
      await refused(viaJose, /^invalid token$/, { algorithms: ['ES256', 'HS256'] });
    }
  });

  it('when the token has expired, then it is refused as expired, with the clock tolerance honoured', async () => {
    await refused(sign({ iat: nowS - 3600, ttl: 3600 - 31 }), /^token expired$/);
    await expect(verify(await sign({ iat: nowS - 3600, ttl: 3600 - 29 }))).resolves.toBeDefined();
  });

  it('when the token is not valid yet (nbf), then it is refused, with the clock tolerance honoured', async () => {
    await refused(sign({ nbf: nowS + 31 }), /^token not yet valid$/);
    await expect(verify(await sign({ nbf: nowS + 29 }))).resolves.toBeDefined();
  });

  it('when the token has another issuer or audience, then it is refused', async () => {
    await refused(sign({ iss: 'someone-else' }), /^token issuer not accepted$/);
    await refused(sign({ aud: 'another-service' }), /^token audience not accepted$/);
  });

  it('when the token has no exp, then it is refused, since it would never expire', async () => {
    await refused(sign({ ttl: null }), /^token has no valid expiry \(exp\)$/);
    await refused(
      sign({ ttl: null, claims: { exp: 'never' as unknown as number } }),
      /^token has no valid expiry \(exp\)$/,
    );
  });

  it('when the lifetime exceeds the cap, then the token is refused naming the maximum', async () => {
    await refused(sign({ ttl: 86_401 }), /^token lifetime exceeds the maximum of 86400 s$/);
    await refused(sign({ ttl: 7200 }), /^token lifetime exceeds the maximum of 3600 s$/, { maxTtlSeconds: 3600 });
    await expect(verify(await sign({ ttl: 86_400 }))).resolves.toBeDefined();
  });

  it('when there is no iat, then the cap applies to exp - now', async () => {
    await refused(sign({ iat: null, ttl: 90_000 }), /lifetime exceeds/);
    await expect(verify(await sign({ iat: null, ttl: 3600 }))).resolves.toBeDefined();
  });

  it('when iat lies in the future to make a long-lived token look short, then it is refused', async () => {
    await refused(sign({ iat: nowS + 10 * 365 * 86_400, ttl: 3600 }), /^token issued in the future$/);
  });

  it('when the kid is unknown or missing, then the token is refused', async () => {
    await refused(sign({ kid: 'k-unknown' }), /^token signed with an unknown key$/);
    await refused(sign({ kid: null }), /^invalid token$/);
  });

  it('when the roles claim is missing or holds only unknown roles, then the token is refused', async () => {
    await refused(sign({ claims: { roles: undefined } }), /no known role \(claim roles/);
    await refused(sign({ claims: { roles: ['root', 'superuser'] } }), /no known role/);
    await refused(sign({ claims: { roles: 'admin' } }), /no known role \(claim realm_access.roles/, {
      rolesClaim: 'realm_access.roles',
    });
  });

  it('when known and unknown roles are mixed, then only the known ones come back', async () => {
    const { principal } = await verify(
      await sign({ claims: { roles: ['root', 'model-download', 'predict', 'predict'] } }),
    );
    expect(principal.roles).toEqual(['model-download', 'predict']);
  });

  it('when roles sit at a dotted path, under a namespaced name or in a scope string, then they are found', async () => {
    const nested = await sign({ claims: { roles: undefined, realm_access: { roles: ['ingest', 'offline_access'] } } });
    expect((await verify(nested, { rolesClaim: 'realm_access.roles' })).principal.roles).toEqual(['ingest']);
    const namespaced = await sign({ claims: { roles: undefined, 'https://meridian.dev/roles': ['admin'] } });
    expect((await verify(namespaced, { rolesClaim: 'https://meridian.dev/roles' })).principal.roles).toEqual(['admin']);
    const scope = await sign({ claims: { roles: undefined, scope: 'openid predict ingest' } });
    expect((await verify(scope, { rolesClaim: 'scope' })).principal.roles).toEqual(['predict', 'ingest']);
  });

  it('when the subject claim is configured, then the subject comes from it, and a token without it is refused', async () => {
    const token = await sign({ claims: { preferred_username: 'bob' } });
    expect((await verify(token, { subjectClaim: 'preferred_username' })).principal.subject).toBe('bob');
    await refused(token, /^token has no subject \(claim email\)$/, { subjectClaim: 'email' });
  });
});
