import { SignJWT } from 'jose';
import { JWT_SECRET_NAME, TOKEN_AUDIENCE, TOKEN_ISSUER, type Role } from '@meridian/contracts';
import { ensureDevSecrets } from './dev-secrets.ts';

/** A gateway token signed with the dev key from <dataDir>/secrets.json (created if missing). */
export async function signDevToken(opts: { dataDir: string; roles: Role[]; sub?: string; ttl?: string; key?: string }): Promise<string> {
  const key = opts.key ?? ensureDevSecrets(opts.dataDir)[JWT_SECRET_NAME]!;
  return new SignJWT({ roles: opts.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(opts.sub ?? 'dev')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.ttl ?? '12h')
    .sign(new TextEncoder().encode(key));
}
