import { jwtVerify, errors as joseErrors } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, TokenClaims, type Role } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';

export interface Principal {
  subject: string;
  roles: Role[];
  /** When the token stops being valid (ms since epoch). */
  expiresAt?: number;
}

/** Verifies HS256 gateway tokens signed with the key from the secret store. */
export class TokenVerifier {
  constructor(private readonly key: Uint8Array) {}

  static fromSecret(secret: string): TokenVerifier {
    return new TokenVerifier(new TextEncoder().encode(secret));
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw new AppError({ code: 'UNAUTHENTICATED', message: 'missing bearer token (Authorization: Bearer <jwt>)', headers: { 'www-authenticate': 'Bearer' } });
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.key, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'] }));
    } catch (err) {
      const why = err instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token';
      throw new AppError({ code: 'UNAUTHENTICATED', message: why, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    }
    const claims = TokenClaims.safeParse(payload);
    if (!claims.success) throw new AppError({ code: 'UNAUTHENTICATED', message: 'token lacks valid sub/roles claims' });
    const exp = (payload as { exp?: number }).exp;
    return { subject: claims.data.sub, roles: claims.data.roles, ...(exp !== undefined ? { expiresAt: exp * 1000 } : {}) };
  }
}
