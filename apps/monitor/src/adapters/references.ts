import type { NumericReferenceSummary } from '@meridian/ml';
import type { DaprClient } from '@meridian/service-kit';

/**
 * The training distributions a model version was registered with (its
 * card's `reference`), read from the registry once per version.
 */
export class References {
  private readonly cache = new Map<string, Record<string, NumericReferenceSummary> | undefined>();

  constructor(private readonly opts: { dapr: DaprClient; registryAppId: string }) {}

  async get(model: string, version: string): Promise<Record<string, NumericReferenceSummary> | undefined> {
    const key = `${model}/${version}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const res = await this.opts.dapr.invoke({ appId: this.opts.registryAppId, method: `v1/registry/models/${model}/versions/${version}`, timeoutMs: 10_000 });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`registry answered ${res.status} for ${key}`);
    const reference = res.json<{ metadata?: { reference?: Record<string, NumericReferenceSummary> } }>().metadata?.reference;
    this.cache.set(key, reference);
    return reference;
  }
}
