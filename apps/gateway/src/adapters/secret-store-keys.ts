import type { DaprClient } from '@meridian/service-kit';
import type { SecretsPort } from '../domain/key-sources.ts';

/** The secrets port over a Dapr secret store component (the gateway's: `secretstore`). */
export function secretStoreKeys(o: { dapr: DaprClient; store: string }): SecretsPort {
  return {
    async get(name) {
      const secret = await o.dapr.getSecret({ store: o.store, name });
      return secret[name];
    },
  };
}
