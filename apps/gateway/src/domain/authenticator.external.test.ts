import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { AppError, parseEnv } from '@meridian/service-kit';
import { authEnv } from './auth-env.ts';
import { createAuthenticator, type Authenticator } from './authenticator.ts';
import { createTestIssuer, jwksOf, type TestIssuer, type TestTokenOptions } from './test-issuer.ts';

const ISSUER = 'https://idp.example.com/realms/meridian';
const AUDIENCE = 'meridian-gateway';

/** A company IdP as the gateway sees it: a JWKS over HTTP (a real local server) and tokens in Keycloak's shape. */
describe('createAuthenticator with an external issuer (AUTH_JWKS_URL)', () => {
  let server: Server;
  let jwks = '';
  let fetches = 0;
  let now = Date.now();
  let idp: TestIssuer;
  let auth: Authenticator;
  let secretReads = 0;
  const keycloakToken = (issuer: TestIssuer, t: TestTokenOptions = {}) =>
    issuer.sign({
      now,
      iss: ISSUER,
      aud: AUDIENCE,
      ...t,
      claims: {
        roles: undefined,
        realm_access: { roles: ['offline_access', 'predict', 'model-download'] },
        ...t.claims,
      },
    });

  beforeAll(async () => {
    idp = await createTestIssuer({ kid: 'idp-2026', alg: 'RS256' });
    jwks = jwksOf(idp);
    server = createServer((req, res) => {
      fetches += 1;
      if (req.url !== '/realms/meridian/protocol/openid-connect/certs') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const env = parseEnv(authEnv, {
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/realms/meridian/protocol/openid-connect/certs`,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_ROLES_CLAIM: 'realm_access.roles',
    });
    const secrets = {
      get: async () => {
        secretReads += 1;
        return undefined;
      },
    };
    auth = createAuthenticator({ env, secrets, now: () => now, log: { info: () => undefined, warn: () => undefined } });
    auth.start();
    await vi.waitFor(() => expect(auth.ready).toBe(true));
  });
  afterAll(async () => {
    auth.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  const refusedWith = async (token: string, message: string) => {
    const err = await auth.verify(`Bearer ${token}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect([(err as AppError).code, (err as AppError).message]).toEqual(['UNAUTHENTICATED', message]);
  };

  it('when a token of the IdP key carries nested roles, then it is verified with the known roles only', async () => {
    expect(await auth.verify(`Bearer ${await keycloakToken(idp)}`)).toMatchObject({
      subject: 'alice',
      roles: ['predict', 'model-download'],
    });
    expect(secretReads).toBe(0);
  });

  it('when a token is signed by another key, then it is refused, whether it names the IdP kid or its own', async () => {
    await refusedWith(await keycloakToken(await createTestIssuer({ kid: 'idp-2026', alg: 'RS256' })), 'invalid token');
    now += 10_000;
    await refusedWith(
      await keycloakToken(await createTestIssuer({ kid: 'attacker', alg: 'RS256' })),
      'token signed with an unknown key',
    );
  });

  it('when an HS256 token uses the IdP public key as the secret, then it is refused', async () => {
    const { n, e } = idp.publicJwk;
    const forged = await new SignJWT({ sub: 'eve', realm_access: { roles: ['admin'] } })
      .setProtectedHeader({ alg: 'HS256', kid: 'idp-2026' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify({ e, kty: 'RSA', n })));
    await refusedWith(forged, 'invalid token');
  });

  it('when a token has no known role, the Meridian issuer, or a lifetime over the cap, then it is refused', async () => {
    await refusedWith(
      await keycloakToken(idp, { claims: { realm_access: { roles: ['offline_access'] } } }),
      'token has no known role (claim realm_access.roles; roles are predict, ingest, admin, model-download)',
    );
    await refusedWith(await keycloakToken(idp, { iss: 'meridian' }), 'token issuer not accepted');
    await refusedWith(await keycloakToken(idp, { ttl: 2 * 86_400 }), 'token lifetime exceeds the maximum of 86400 s');
  });

  it('when the IdP rotates to a new key, then its tokens verify after one throttled reload', async () => {
    const next = await createTestIssuer({ kid: 'idp-2027', alg: 'ES256' });
    jwks = jwksOf(next, idp);
    now += 10_000;
    const before = fetches;
    expect((await auth.verify(`Bearer ${await keycloakToken(next)}`)).roles).toEqual(['predict', 'model-download']);
    expect(fetches).toBe(before + 1);
  });
});
