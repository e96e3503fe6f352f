import { z } from 'zod';
import { DEFAULT_TOKEN_MAX_TTL_SECONDS, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@meridian/contracts';

/**
 * Signature algorithms a gateway token may use: asymmetric only. Never `none`, and never HS*:
 * whoever holds an HMAC secret can mint tokens, and an HS256 token "signed" with a public key
 * is the classic algorithm-confusion forgery.
 */
export const AsymmetricAlgorithm = z.enum([
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
]);
export type AsymmetricAlgorithm = z.infer<typeof AsymmetricAlgorithm>;

export const DEV_ALGORITHMS: AsymmetricAlgorithm[] = ['ES256'];
export const EXTERNAL_ALGORITHMS: AsymmetricAlgorithm[] = ['ES256', 'RS256', 'EdDSA'];

const unsetWhenEmpty = (v: unknown) => (v === '' ? undefined : v);
const claimPath = z
  .string()
  .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a claim name, or a dotted path such as realm_access.roles');
const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
const isTrustedTransport = (url: string) =>
  !URL.canParse(url) || url.startsWith('https:') || isLoopback(new URL(url).hostname);

/** The gateway's token verification settings; spread into the gateway's env shape. */
export const authEnv = {
  /** JWKS of an external issuer (a company IdP). When set, keys come from there and the secret store is not read. */
  AUTH_JWKS_URL: z.preprocess(
    unsetWhenEmpty,
    z
      .url({ protocol: /^https?$/ })
      .refine(
        isTrustedTransport,
        'must be https (plain http only to localhost): whoever can change the keys in transit can mint tokens',
      )
      .optional(),
  ),
  AUTH_ISSUER: z.string().min(1).default(TOKEN_ISSUER),
  AUTH_AUDIENCE: z.string().min(1).default(TOKEN_AUDIENCE),
  /** Comma list. Unset: ES256 for the dev issuer, ES256,RS256,EdDSA with AUTH_JWKS_URL. */
  AUTH_ALGORITHMS: z.preprocess(
    unsetWhenEmpty,
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      )
      .pipe(z.array(AsymmetricAlgorithm).min(1))
      .optional(),
  ),
  /** Where the roles are in the payload: a claim name or a dotted path (Keycloak: realm_access.roles). */
  AUTH_ROLES_CLAIM: claimPath.default('roles'),
  AUTH_SUBJECT_CLAIM: claimPath.default('sub'),
  AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** The longest lifetime a token may have: exp - iat, or exp - now without iat. */
  TOKEN_MAX_TTL_SECONDS: z.coerce.number().int().positive().default(DEFAULT_TOKEN_MAX_TTL_SECONDS),
  /** How often the key set is reloaded, so a rotation reaches a running gateway. */
  AUTH_KEYS_REFRESH_SECONDS: z.coerce.number().positive().default(30),
};
export type AuthEnv = z.infer<z.ZodObject<typeof authEnv>>;
