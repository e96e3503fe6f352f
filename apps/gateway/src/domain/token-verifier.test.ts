import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { TokenVerifier } from './token-verifier.ts';

const KEY = 'a-test-signing-key-of-enough-length';
const sign = (claims: Record<string, unknown>, opts: { key?: string; aud?: string; exp?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(opts.aud ?? TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '1h')
    .sign(new TextEncoder().encode(opts.key ?? KEY));

const verifier = TokenVerifier.fromSecret(KEY);
const rejects = async (header: string | undefined, message: RegExp) => {
  const err = await verifier.verify(header).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('UNAUTHENTICATED');
  expect((err as AppError).message).toMatch(message);
};

describe('TokenVerifier', () => {
  it('when the token is valid, then its subject and roles come back', async () => {
    expect(await verifier.verify(`Bearer ${await sign({ roles: ['predict', 'admin'] })}`)).toMatchObject({ subject: 'alice', roles: ['predict', 'admin'] });
  });

  it('when the header is missing or not a bearer token, then it is unauthenticated', async () => {
    await rejects(undefined, /missing bearer token/);
    await rejects('Basic abc', /missing bearer token/);
  });

  it('when signed with another key, for another audience, or expired, then it is rejected', async () => {
    await rejects(`Bearer ${await sign({ roles: ['predict'] }, { key: 'another-key-another-key-another' })}`, /invalid token/);
    await rejects(`Bearer ${await sign({ roles: ['predict'] }, { aud: 'someone-else' })}`, /invalid token/);
    await rejects(`Bearer ${await sign({ roles: ['predict'] }, { exp: '-1s' })}`, /expired/);
  });

  it('when the roles claim is missing or unknown, then it is rejected', async () => {
    await rejects(`Bearer ${await sign({})}`, /roles/);
    await rejects(`Bearer ${await sign({ roles: ['root'] })}`, /roles/);
  });
});
