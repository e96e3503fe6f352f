import type { Principal, TokenVerifier } from './token-verifier.ts';

const MAX_ENTRIES = 10_000;

/**
 * Remembers tokens already verified until they expire, so a client's
 * repeated calls skip the signature check. Bounded: the oldest entries go
 * first. Only valid tokens are kept; a rejected token is checked every time.
 */
export class TokenCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(private readonly verifier: TokenVerifier, private readonly now: () => number = Date.now) {}

  async verify(authorization: string | undefined): Promise<Principal> {
    const hit = authorization ? this.entries.get(authorization) : undefined;
    if (hit && hit.expiresAt > this.now()) return hit.principal;
    const principal = await this.verifier.verify(authorization);
    if (authorization && principal.expiresAt !== undefined) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(authorization, { principal, expiresAt: principal.expiresAt });
    }
    return principal;
  }
}
