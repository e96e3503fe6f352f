import type { Role } from '@meridian/contracts';

/** The signed-in account as the console knows it: the token, and what its payload claims. */
export interface Session {
  token: string;
  subject: string;
  roles: Role[];
  /** Seconds since the epoch (the `exp` claim), when the token has one. */
  expiresAt?: number;
}

const STORAGE_KEY = 'meridian.console.token';
const ROLES: readonly Role[] = ['predict', 'ingest', 'admin', 'model-download'];

function base64UrlJson(part: string): unknown {
  const base64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * Reads a JWT's payload without verifying it: the roles only decide which buttons the console
 * shows, and the gateway verifies the token on every call. Null when it is not a JWT.
 */
export function decodeToken(token: string): Session | null {
  const trimmed = token.trim();
  const parts = trimmed.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  let payload: unknown;
  try {
    payload = base64UrlJson(parts[1]);
  } catch {
    return null;
  }
  if (!payload || typeof payload !== 'object') return null;
  const claims = payload as { sub?: unknown; roles?: unknown; exp?: unknown };
  const roles = Array.isArray(claims.roles)
    ? claims.roles.filter((r): r is Role => ROLES.includes(r as Role))
    : typeof claims.roles === 'string'
      ? claims.roles.split(/[\s,]+/).filter((r): r is Role => ROLES.includes(r as Role))
      : [];
  return {
    token: trimmed,
    subject: typeof claims.sub === 'string' ? claims.sub : 'unknown',
    roles,
    ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp } : {}),
  };
}

/** True when the token's `exp` has passed (a token without one never expires here). */
export function isExpired(session: Session, nowMs = Date.now()): boolean {
  return session.expiresAt !== undefined && session.expiresAt * 1000 <= nowMs;
}

/** True when the account holds any of the roles (a route's roles, as in the gateway's table). */
export function hasAnyRole(session: Session | null, roles: readonly Role[]): boolean {
  return !!session && session.roles.some((r) => roles.includes(r));
}

export const isAdmin = (session: Session | null): boolean => hasAnyRole(session, ['admin']);

/** Kept per tab (sessionStorage): closing the tab signs out. */
export function loadSession(storage: Storage = sessionStorage): Session | null {
  const token = storage.getItem(STORAGE_KEY);
  const session = token ? decodeToken(token) : null;
  if (!session || isExpired(session)) {
    storage.removeItem(STORAGE_KEY);
    return null;
  }
  return session;
}

export function saveSession(session: Session, storage: Storage = sessionStorage): void {
  storage.setItem(STORAGE_KEY, session.token);
}

export function clearSession(storage: Storage = sessionStorage): void {
  storage.removeItem(STORAGE_KEY);
}
