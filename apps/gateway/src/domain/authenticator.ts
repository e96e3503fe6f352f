import { errors, type FetchImplementation, type JWTVerifyGetKey } from 'jose';
import { AppError, rootLogger } from '@meridian/service-kit';
import { DEV_ALGORITHMS, EXTERNAL_ALGORITHMS, type AuthEnv } from './auth-env.ts';
import {
  remoteKeySource,
  secretStoreKeySource,
  type KeyFingerprints,
  type KeySource,
  type SecretsPort,
} from './key-sources.ts';
import { TokenCache } from './token-cache.ts';
import { verifyToken, type Principal, type TokenPolicy } from './token-verifier.ts';

export type { Principal } from './token-verifier.ts';
export type { SecretsPort } from './key-sources.ts';

export interface Authenticator {
  /** False until a key set is loaded; the gateway is not ready and protected routes answer 503 until then. */
  readonly ready: boolean;
  /** Verifies an Authorization header value; throws AppError UNAUTHENTICATED (401) or UNAVAILABLE (503, keys not loaded yet). */
  verify(authorization: string | undefined): Promise<Principal>;
  /** Begins loading the key set (retrying while the sidecar starts) and reloading it periodically. */
  start(): void;
  /** Clears the timers. */
  stop(): void;
}

export interface AuthLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** An unknown kid reloads the key set at most this often: forged kids cannot hammer the store. */
const UNKNOWN_KID_RELOAD_MS = 5_000;
const STARTUP_RETRY_MS = 250;
const WARN_EVERY = 20;

/**
 * Verifies gateway tokens against the dev issuer's public keys in the secret
 * store or, with AUTH_JWKS_URL, an external issuer's JWKS. The key set is
 * reloaded every AUTH_KEYS_REFRESH_SECONDS, so a rotation reaches a running
 * gateway; a key that leaves the set stops verifying its tokens, cached or not.
 */
export function createAuthenticator(o: {
  env: AuthEnv;
  secrets?: SecretsPort;
  now?: () => number;
  fetchJwks?: FetchImplementation;
  log?: AuthLog;
}): Authenticator {
  const { env } = o;
  const now = o.now ?? Date.now;
  const log = (): AuthLog => o.log ?? rootLogger();
  const source = keySource(o);
  const policy: TokenPolicy = {
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    algorithms: env.AUTH_ALGORITHMS ?? (env.AUTH_JWKS_URL ? EXTERNAL_ALGORITHMS : DEV_ALGORITHMS),
    clockToleranceSeconds: env.AUTH_CLOCK_TOLERANCE_SECONDS,
    maxTtlSeconds: env.TOKEN_MAX_TTL_SECONDS,
    rolesClaim: env.AUTH_ROLES_CLAIM,
    subjectClaim: env.AUTH_SUBJECT_CLAIM,
  };
  const cache = new TokenCache({ now });
  let keys: KeyFingerprints | undefined;
  let loading: Promise<void> | undefined;
  let lastLoadAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let generation = 0;
  let failures = 0;

  const load = (): Promise<void> => {
    loading ??= (async () => {
      lastLoadAt = now();
      try {
        const next = await source.load();
        const change = keysChanged(keys, next);
        if (change)
          log().info(
            { ...change, from: env.AUTH_JWKS_URL ?? 'secret store' },
            keys ? 'token verification keys changed' : 'token verification keys loaded',
          );
        keys = next;
        cache.retain(next);
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  };

  const tick = async (run: number): Promise<void> => {
    try {
      await load();
      failures = 0;
    } catch (err) {
      failures += 1;
      if (failures % WARN_EVERY === 1)
        log().warn(
          { err: (err as Error).message, failures },
          keys
            ? 'reloading the token verification keys failed; keeping the loaded ones'
            : 'waiting for the token verification keys',
        );
    }
    if (running && run === generation)
      timer = setTimeout(() => void tick(run), keys ? env.AUTH_KEYS_REFRESH_SECONDS * 1000 : STARTUP_RETRY_MS).unref();
  };

  /** An unknown kid may be a key rotated in since the last reload: reload (throttled) and look again. */
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await source.getKey(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || now() - lastLoadAt < UNKNOWN_KID_RELOAD_MS) throw err;
      await load().catch(() => undefined);
      return source.getKey(header, token);
    }
  };

  return {
    get ready() {
      return keys !== undefined;
    },
    async verify(authorization) {
      const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
      if (!token)
        throw new AppError({
          code: 'UNAUTHENTICATED',
          message: 'missing bearer token (Authorization: Bearer <jwt>)',
          headers: { 'www-authenticate': 'Bearer' },
        });
      const known = keys;
      if (!known)
        throw new AppError({
          code: 'UNAVAILABLE',
          message: 'gateway is starting: token verification keys not loaded yet',
          headers: { 'retry-after': '1' },
        });
      const hit = cache.get({ token, keys: known });
      if (hit) return hit;
      const { principal, kid } = await verifyToken({ token, getKey, policy, now: now() });
      // A key loaded during this call (unknown kid) is in the newer set.
      const fingerprint = known.get(kid) ?? keys?.get(kid);
      if (fingerprint !== undefined) cache.set({ token, principal, kid, fingerprint });
      return principal;
    },
    start() {
      if (running) return;
      running = true;
      generation += 1;
      void tick(generation);
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}

function keySource(o: {
  env: AuthEnv;
  secrets?: SecretsPort | undefined;
  fetchJwks?: FetchImplementation | undefined;
}): KeySource {
  if (o.env.AUTH_JWKS_URL) return remoteKeySource({ url: o.env.AUTH_JWKS_URL, fetchJwks: o.fetchJwks });
  if (!o.secrets) throw new Error('createAuthenticator needs a secrets port, or AUTH_JWKS_URL for an external issuer');
  return secretStoreKeySource({ secrets: o.secrets });
}

function keysChanged(
  before: KeyFingerprints | undefined,
  after: KeyFingerprints,
): { kids: string[]; added: string[]; removed: string[] } | undefined {
  const added = [...after.keys()].filter((kid) => before?.get(kid) !== after.get(kid));
  const removed = [...(before?.keys() ?? [])].filter((kid) => !after.has(kid));
  return before && added.length === 0 && removed.length === 0 ? undefined : { kids: [...after.keys()], added, removed };
}
