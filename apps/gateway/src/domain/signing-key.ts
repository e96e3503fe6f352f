import { JWT_SECRET_NAME } from '@meridian/contracts';
import type { DaprClient } from '@meridian/service-kit';
import { rootLogger } from '@meridian/service-kit';
import { TokenCache } from './token-cache.ts';
import { TokenVerifier } from './token-verifier.ts';

/**
 * Loads the JWT signing key through the sidecar's secrets API. The sidecar
 * may still be starting, so it retries in the background; until the key is
 * there the gateway is not ready and authenticated routes answer 503.
 */
export class SigningKey {
  private verifier: TokenCache | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly opts: { dapr: DaprClient; store: string }) {}

  get current(): TokenCache | undefined {
    return this.verifier;
  }

  load(): Promise<void> {
    this.loading ??= (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const secret = await this.opts.dapr.getSecret({ store: this.opts.store, name: JWT_SECRET_NAME });
          const value = secret[JWT_SECRET_NAME];
          if (!value) throw new Error(`secret ${JWT_SECRET_NAME} is empty`);
          this.verifier = new TokenCache(TokenVerifier.fromSecret(value));
          rootLogger().info('JWT signing key loaded from the secret store');
          return;
        } catch (err) {
          if (attempt % 20 === 1) rootLogger().warn({ err: (err as Error).message, attempt }, 'waiting for the JWT signing key');
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    })();
    return this.loading;
  }
}
