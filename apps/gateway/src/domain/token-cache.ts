import type { KeyFingerprints } from './key-sources.ts';
import type { Principal } from './token-verifier.ts';

interface Entry {
  principal: Principal;
  kid: string;
  fingerprint: string;
}

/**
 * Remembers tokens already verified until they expire, so a client's repeated
 * calls skip the signature check. An entry holds only while its signing key
 * (kid and key material) is still in the current key set: a retired key's
 * tokens are checked again, and refused. Bounded: the oldest entries go first.
 * Only valid tokens are kept; a refused token is checked every time.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(o: { now?: () => number; maxEntries?: number } = {}) {
    this.now = o.now ?? Date.now;
    this.maxEntries = o.maxEntries ?? 10_000;
  }

  get size(): number {
    return this.entries.size;
  }

  get(o: { token: string; keys: KeyFingerprints }): Principal | undefined {
    const entry = this.entries.get(o.token);
    if (!entry) return undefined;
    if (entry.principal.expiresAt > this.now() && o.keys.get(entry.kid) === entry.fingerprint) return entry.principal;
    this.entries.delete(o.token);
    return undefined;
  }

  set(o: { token: string; principal: Principal; kid: string; fingerprint: string }): void {
    this.entries.delete(o.token);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(o.token, { principal: o.principal, kid: o.kid, fingerprint: o.fingerprint });
  }

  /** Drops the entries whose key left the key set or changed. */
  retain(keys: KeyFingerprints): void {
    for (const [token, entry] of this.entries)
      if (keys.get(entry.kid) !== entry.fingerprint) this.entries.delete(token);
  }
}
