import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { JWT_VERIFICATION_KEYS_SECRET, VerificationKeySet } from '@meridian/contracts';
import { canonicalJson } from '@meridian/service-kit';

/** Secrets by name (the sidecar's secrets API); undefined when the store has the name but no value. */
export interface SecretsPort {
  get(name: string): Promise<string | undefined>;
}

/** Each key id of a key set with a fingerprint of its key material: a token's cached verification holds while its kid's fingerprint is unchanged. */
export type KeyFingerprints = ReadonlyMap<string, string>;

/** Where the token verification keys come from. */
export interface KeySource {
  /** Key lookup for jwtVerify, over the key set loaded last. */
  readonly getKey: JWTVerifyGetKey;
  /** Loads the key set now (on failure, the previous one stays) and answers its fingerprints. */
  load(): Promise<KeyFingerprints>;
}

/** The dev issuer's public keys, from the JWT_VERIFICATION_KEYS_SECRET secret. */
export function secretStoreKeySource(o: { secrets: SecretsPort }): KeySource {
  let local: JWTVerifyGetKey | undefined;
  return {
    getKey: (header, token) => {
      if (!local) throw new errors.JWKSNoMatchingKey();
      return local(header, token);
    },
    async load() {
      const value = await o.secrets.get(JWT_VERIFICATION_KEYS_SECRET);
      if (!value) throw new Error(`secret ${JWT_VERIFICATION_KEYS_SECRET} is missing or empty`);
      let json: unknown;
      try {
        json = JSON.parse(value);
      } catch {
        throw new Error(`secret ${JWT_VERIFICATION_KEYS_SECRET} is not JSON`);
      }
      const parsed = VerificationKeySet.safeParse(json);
      if (!parsed.success) {
        throw new Error(
          `secret ${JWT_VERIFICATION_KEYS_SECRET} is not a public JWKS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      const jwks = parsed.data as JSONWebKeySet;
      local = createLocalJWKSet(jwks);
      return fingerprints(jwks);
    },
  };
}

/**
 * An external issuer's JWKS, fetched and cached by jose. The gateway decides
 * when to reload (periodically, and on an unknown kid at most every few
 * seconds), so jose never reloads on its own and a request never waits on
 * the issuer; a failed reload keeps the keys already loaded.
 */
export function remoteKeySource(o: { url: string; fetchJwks?: FetchImplementation | undefined }): KeySource {
  const remote = createRemoteJWKSet(new URL(o.url), {
    cacheMaxAge: Number.POSITIVE_INFINITY,
    cooldownDuration: Number.POSITIVE_INFINITY,
    ...(o.fetchJwks ? { [customFetch]: o.fetchJwks } : {}),
  });
  let loaded = false;
  return {
    getKey: (header, token) => {
      if (!loaded) throw new errors.JWKSNoMatchingKey();
      return remote(header, token);
    },
    async load() {
      await remote.reload();
      const jwks = remote.jwks();
      if (!jwks) throw new Error(`no key set from ${o.url}`);
      loaded = true;
      return fingerprints(jwks);
    },
  };
}

function fingerprints(jwks: JSONWebKeySet): KeyFingerprints {
  const byKid = new Map<string, string[]>();
  for (const jwk of jwks.keys) {
    if (typeof jwk.kid === 'string' && jwk.use !== 'enc')
      byKid.set(jwk.kid, [...(byKid.get(jwk.kid) ?? []), canonicalJson(jwk)]);
  }
  return new Map([...byKid].map(([kid, keys]) => [kid, keys.sort().join('\n')]));
}
