import { SignJWT, importJWK } from 'jose';
import {
  DEFAULT_TOKEN_MAX_TTL_SECONDS,
  TOKEN_ALGORITHM,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  TokenClaims,
  type Role,
} from '@meridian/contracts';
import { currentSigningKey, durationSeconds, ensureDevSecrets } from './dev-secrets.ts';

const DEFAULT_TTL_SECONDS = 12 * 3600;

/**
 * A gateway token signed (ES256) with the current dev issuer key from
 * <dataDir>/secrets.json, created if missing. It always carries iat and exp;
 * a `ttl` (seconds, or text like 30m, 12h) longer than `maxTtlSeconds` is
 * refused, because the gateway would refuse the token.
 */
export async function signDevToken(opts: {
  dataDir: string;
  roles: Role[];
  sub?: string;
  ttl?: string | number;
  /** Default: DEFAULT_TOKEN_MAX_TTL_SECONDS (24 h), as the gateway's TOKEN_MAX_TTL_SECONDS. */
  maxTtlSeconds?: number;
  now?: () => number;
}): Promise<string> {
  const now = opts.now ?? Date.now;
  const maxTtl = opts.maxTtlSeconds ?? DEFAULT_TOKEN_MAX_TTL_SECONDS;
  const ttl =
    opts.ttl === undefined ? Math.min(DEFAULT_TTL_SECONDS, maxTtl) : durationSeconds(opts.ttl, { what: 'ttl' });
  if (ttl > maxTtl)
    throw new Error(
      `ttl "${opts.ttl}" (${ttl} s) is longer than the maximum token lifetime of ${maxTtl} s (TOKEN_MAX_TTL_SECONDS)`,
    );
  const claims = TokenClaims.parse({ sub: opts.sub ?? 'dev', roles: opts.roles });
  const { kid, kty, crv, x, y, d } = currentSigningKey(ensureDevSecrets(opts.dataDir, { now }));
  const iat = Math.floor(now() / 1000);
  return new SignJWT({ roles: claims.roles })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(await importJWK({ kty, crv, x, y, d }, TOKEN_ALGORITHM));
}
