import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@meridian/contracts';

/** A signing key for tests: its public JWK (with kid) and a signer with Meridian's defaults. */
export interface TestIssuer {
  kid: string;
  publicJwk: JWK;
  sign(o?: TestTokenOptions): Promise<string>;
}

export interface TestTokenOptions {
  claims?: JWTPayload;
  /** Seconds since epoch; default: now (from `now`). */
  iat?: number | null;
  /** Seconds after iat; null: no exp. */
  ttl?: number | null;
  nbf?: number;
  iss?: string;
  aud?: string;
  sub?: string;
  kid?: string | null;
  now?: number;
}

/** Test keys only: production keys come from the dev token tool or an external issuer. */
export async function createTestIssuer(o: { kid: string; alg?: 'ES256' | 'RS256' }): Promise<TestIssuer> {
  const alg = o.alg ?? 'ES256';
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: o.kid, alg, use: 'sig' };
  return {
    kid: o.kid,
    publicJwk,
    sign(t = {}) {
      const now = Math.floor((t.now ?? Date.now()) / 1000);
      const iat = t.iat === undefined ? now : t.iat;
      const claims: JWTPayload = { roles: ['predict'], ...t.claims };
      const jwt = new SignJWT(claims)
        .setIssuer(t.iss ?? TOKEN_ISSUER)
        .setAudience(t.aud ?? TOKEN_AUDIENCE)
        .setSubject(t.sub ?? 'alice');
      jwt.setProtectedHeader(t.kid === null ? { alg } : { alg, kid: t.kid ?? o.kid });
      if (iat !== null) jwt.setIssuedAt(iat);
      if (t.ttl !== null) jwt.setExpirationTime((iat ?? now) + (t.ttl ?? 3600));
      if (t.nbf !== undefined) jwt.setNotBefore(t.nbf);
      return jwt.sign(privateKey);
    },
  };
}

export const jwksOf = (...issuers: TestIssuer[]): string => JSON.stringify({ keys: issuers.map((i) => i.publicJwk) });
