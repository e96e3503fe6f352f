import { z } from 'zod';

export const Role = z.enum(['predict', 'ingest', 'admin', 'model-download']);
export type Role = z.infer<typeof Role>;

/** Claims the dev issuer puts in a gateway token (besides iss, aud, iat, exp). */
export const TokenClaims = z.object({
  sub: z.string().min(1),
  roles: z.array(Role).min(1),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

/** The verified token's roles, comma-separated, as the gateway forwards them; trusted only from the gateway. */
export const ROLES_HEADER = 'x-meridian-roles';

export const TOKEN_ISSUER = 'meridian';
export const TOKEN_AUDIENCE = 'meridian-gateway';
/** The dev issuer's signature algorithm. */
export const TOKEN_ALGORITHM = 'ES256';
/** The longest lifetime (exp - iat) a token may have, unless TOKEN_MAX_TTL_SECONDS says otherwise. */
export const DEFAULT_TOKEN_MAX_TTL_SECONDS = 86_400;

/** Secret (in `secretstore`) with the dev issuer's private JWKs; only the dev token tool reads it. */
export const JWT_SIGNING_KEYS_SECRET = 'jwt-signing-keys';
/** Secret (in `secretstore`) with the public JWKS the gateway verifies tokens with. */
export const JWT_VERIFICATION_KEYS_SECRET = 'jwt-verification-keys';

/** A public signing key: asymmetric, with a key id, and never private material. */
export const VerificationJwk = z
  .looseObject({
    kid: z.string().min(1),
    kty: z.enum(['EC', 'RSA', 'OKP']),
    alg: z.string().min(1).optional(),
    use: z.literal('sig').optional(),
  })
  .refine((jwk) => !('d' in jwk), { message: 'a verification key must not hold private key material' });
export type VerificationJwk = z.infer<typeof VerificationJwk>;

/** The value of JWT_VERIFICATION_KEYS_SECRET: the current key and keys still inside their overlap window. */
export const VerificationKeySet = z.object({ keys: z.array(VerificationJwk).min(1) });
export type VerificationKeySet = z.infer<typeof VerificationKeySet>;
