import type { NumericReferenceSummary } from '@meridian/ml';
import type { DaprClient } from '@meridian/service-kit';

/**
 * The training distributions a model version was registered with (its
 * card's `reference`), read from the registry once per version.
 */
export class References {
  private readonly cards = new Map<string, Record<string, unknown> | undefined>();

  constructor(private readonly opts: { dapr: DaprClient; registryAppId: string }) {}

  async get(model: string, version: string): Promise<Record<string, NumericReferenceSummary> | undefined> {
    return (await this.card(model, version))?.reference as Record<string, NumericReferenceSummary> | undefined;
  }

  /** The model card a version was registered with. */
  async card(model: string, version: string): Promise<Record<string, unknown> | undefined> {
    const key = `${model}/${version}`;
    if (this.cards.has(key)) return this.cards.get(key);
    const res = await this.opts.dapr.invoke({ appId: this.opts.registryAppId, method: `v1/registry/models/${model}/versions/${version}`, timeoutMs: 10_000 });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`registry answered ${res.status} for ${key}`);
    const card = res.json<{ metadata?: Record<string, unknown> }>().metadata;
    this.cards.set(key, card);
    return card;
  }

  /** The production version, if the registry has one. */
  async production(model: string): Promise<string | undefined> {
    const res = await this.opts.dapr.invoke({ appId: this.opts.registryAppId, method: `v1/registry/models/${model}/versions`, timeoutMs: 10_000 });
    if (!res.ok) return undefined;
    return res.json<{ version: string; stage: string }[]>().find((v) => v.stage === 'production')?.version;
  }
}
