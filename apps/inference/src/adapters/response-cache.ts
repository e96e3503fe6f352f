import type { InferOutputTensor } from '@meridian/contracts';
import { rootLogger, type DaprClient } from '@meridian/service-kit';
import type { ResponseCache } from '../domain/ports.ts';

/**
 * Answers kept in the Dapr state store, keyed by model, version and input
 * hash, expiring by TTL. The cache is an optimisation: a failing store
 * means a miss, never a failed request.
 */
export class StateResponseCache implements ResponseCache {
  constructor(private readonly opts: { dapr: DaprClient; store: string }) {}

  private key(model: string, version: string, hash: string): string {
    return `response-cache:${model}:${version}:${hash}`;
  }

  async get(o: { model: string; version: string; hash: string }): Promise<InferOutputTensor[] | undefined> {
    try {
      return (
        await this.opts.dapr.getState<InferOutputTensor[]>({
          store: this.opts.store,
          key: this.key(o.model, o.version, o.hash),
        })
      ).value;
    } catch (err) {
      rootLogger().warn({ err: (err as Error).message }, 'response cache read failed');
      return undefined;
    }
  }

  async put(o: {
    model: string;
    version: string;
    hash: string;
    outputs: InferOutputTensor[];
    ttlSeconds: number;
  }): Promise<void> {
    await this.opts.dapr
      .saveState({
        store: this.opts.store,
        items: [
          {
            key: this.key(o.model, o.version, o.hash),
            value: o.outputs,
            metadata: { ttlInSeconds: `${o.ttlSeconds}` },
          },
        ],
      })
      .catch((err: unknown) => rootLogger().warn({ err: (err as Error).message }, 'response cache write failed'));
  }
}
