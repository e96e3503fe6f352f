import { z } from 'zod';

export const Role = z.enum(['predict', 'ingest', 'admin']);
export type Role = z.infer<typeof Role>;

/** Claims Meridian puts in (and requires of) a gateway token. */
export const TokenClaims = z.object({
  sub: z.string().min(1),
  roles: z.array(Role).min(1),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

export const TOKEN_ISSUER = 'meridian';
export const TOKEN_AUDIENCE = 'meridian-gateway';
/** Name of the signing key in the `secretstore` component. */
export const JWT_SECRET_NAME = 'jwt-signing-key';
