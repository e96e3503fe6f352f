import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { Role } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';

export interface Principal {
  subject: string;
  roles: Role[];
  /** When the token stops being valid (ms since epoch). */
  expiresAt: number;
}

/** What a token must satisfy besides a good signature. */
export interface TokenPolicy {
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  maxTtlSeconds: number;
  /** Claim name or dotted path (realm_access.roles) of the roles, and of the subject. */
  rolesClaim: string;
  subjectClaim: string;
}

/** 401 with a short reason; the library's own message stays in the cause, never in the answer. */
export function unauthenticated(reason: string, cause?: unknown): AppError {
  return new AppError({
    code: 'UNAUTHENTICATED',
    message: reason,
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    cause,
  });
}

/**
 * Verifies one JWT: a key id naming a known key, an allowed algorithm, the
 * signature, issuer, audience, exp (required), nbf, and a lifetime within the
 * cap; then reads the subject and the roles Meridian knows (others ignored).
 */
export async function verifyToken(o: {
  token: string;
  getKey: JWTVerifyGetKey;
  policy: TokenPolicy;
  now: number;
}): Promise<{ principal: Principal; kid: string }> {
  const { policy } = o;
  let payload: JWTPayload;
  let kid: string;
  try {
    const verified = await jwtVerify(o.token, requireKid(o.getKey), {
      issuer: policy.issuer,
      audience: policy.audience,
      algorithms: policy.algorithms,
      clockTolerance: policy.clockToleranceSeconds,
      requiredClaims: ['exp'],
      currentDate: new Date(o.now),
    });
    ({ payload } = verified);
    kid = verified.protectedHeader.kid!;
  } catch (err) {
    throw unauthenticated(reasonFor(err), err);
  }
  const exp = payload.exp!;
  const nowSeconds = o.now / 1000;
  if (payload.iat !== undefined && payload.iat > nowSeconds + policy.clockToleranceSeconds)
    throw unauthenticated('token issued in the future');
  const lifetime = payload.iat !== undefined ? exp - payload.iat : exp - nowSeconds - policy.clockToleranceSeconds;
  if (lifetime > policy.maxTtlSeconds)
    throw unauthenticated(`token lifetime exceeds the maximum of ${policy.maxTtlSeconds} s`);
  const subject = claimAt(payload, policy.subjectClaim);
  if (typeof subject !== 'string' || subject === '')
    throw unauthenticated(`token has no subject (claim ${policy.subjectClaim})`);
  const roles = knownRoles(claimAt(payload, policy.rolesClaim));
  if (roles.length === 0)
    throw unauthenticated(`token has no known role (claim ${policy.rolesClaim}; roles are ${Role.options.join(', ')})`);
  return { principal: { subject, roles, expiresAt: exp * 1000 }, kid };
}

/** Without a kid, jose would try any key of the set; with rotation, a token names its key. */
function requireKid(getKey: JWTVerifyGetKey): JWTVerifyGetKey {
  return (header, token) => {
    if (typeof header.kid !== 'string' || header.kid === '') throw new errors.JWSInvalid('token has no kid');
    return getKey(header, token);
  };
}

function reasonFor(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWKSNoMatchingKey) return 'token signed with an unknown key';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'exp') return 'token has no valid expiry (exp)';
    if (err.claim === 'nbf') return 'token not yet valid';
    if (err.claim === 'iss') return 'token issuer not accepted';
    if (err.claim === 'aud') return 'token audience not accepted';
  }
  return 'invalid token';
}

/** A claim by exact name (Auth0's namespaced claims hold dots), else by dotted path. */
function claimAt(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Roles as an array, or as one space- or comma-separated string (scope style). */
function knownRoles(claim: unknown): Role[] {
  const names = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
  const roles = names.flatMap((name) => {
    const role = Role.safeParse(name);
    return role.success ? [role.data] : [];
  });
  return [...new Set(roles)];
}
