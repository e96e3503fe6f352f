import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@meridian/contracts';
import { TokenCache } from './token-cache.ts';
import { TokenVerifier } from './token-verifier.ts';

const KEY = 'a-test-signing-key-of-enough-length';
const token = async (ttl: string) => `Bearer ${await new SignJWT({ roles: ['predict'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('bob')
  .setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setIssuedAt().setExpirationTime(ttl).sign(new TextEncoder().encode(KEY))}`;

/** Counts the signature checks the cache lets through. */
class CountingVerifier extends TokenVerifier {
  calls = 0;
  override async verify(header: string | undefined) {
    this.calls += 1;
    return super.verify(header);
  }
}

describe('TokenCache', () => {
  it('when a valid token comes again before it expires, then its signature is not checked again', async () => {
    const verifier = new CountingVerifier(new TextEncoder().encode(KEY));
    const cache = new TokenCache(verifier);
    const t = await token('1h');
    expect((await cache.verify(t)).subject).toBe('bob');
    await cache.verify(t);
    expect(verifier.calls).toBe(1);
  });

  it('when a cached token has expired, then it is checked again and refused', async () => {
    const verifier = new CountingVerifier(new TextEncoder().encode(KEY));
    let now = Date.now();
    const cache = new TokenCache(verifier, () => now);
    const t = await token('10s');
    await cache.verify(t);
    now += 60_000;
    await cache.verify(t).then(() => undefined, () => undefined);
    expect(verifier.calls).toBe(2);
  });

  it('when a token is invalid, then it is refused every time', async () => {
    const verifier = new CountingVerifier(new TextEncoder().encode(KEY));
    const cache = new TokenCache(verifier);
    for (let i = 0; i < 2; i++) await expect(cache.verify('Bearer nope')).rejects.toThrow(/invalid token/);
    expect(verifier.calls).toBe(2);
  });
});
