import type { DaprClient } from '@meridian/service-kit';
import type { ModelCards } from '../domain/drift-spec.ts';

/** How long "the registry does not know this version" is believed: a model served before it was registered may be registered later. */
const UNKNOWN_FOR_MS = 30_000;

/**
 * The cards model versions were registered with (their training
 * distributions, fairness reports, windows), read from the registry once per
 * version: a registered version's card never changes. Without a registry
 * (REGISTRY_APP_ID empty, as the pipeline benchmark runs) no model is known.
 */
export class References implements ModelCards {
  private readonly cards = new Map<string, Record<string, unknown>>();
  private readonly unknown = new Map<string, number>();

  constructor(private readonly opts: { dapr: DaprClient; registryAppId: string; now?: () => number }) {}

  /** The model card a version was registered with; undefined when the registry does not know it (or there is no registry). */
  async card(model: string, version: string): Promise<Record<string, unknown> | undefined> {
    if (!this.opts.registryAppId) return undefined;
    const key = `${model}/${version}`;
    const now = (this.opts.now ?? Date.now)();
    if (this.cards.has(key)) return this.cards.get(key);
    if ((this.unknown.get(key) ?? 0) > now) return undefined;
    const res = await this.opts.dapr.invoke({ appId: this.opts.registryAppId, method: `v1/registry/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`, timeoutMs: 10_000 });
    if (res.status === 404) {
      this.unknown.set(key, now + UNKNOWN_FOR_MS);
      return undefined;
    }
    if (!res.ok) throw new Error(`registry answered ${res.status} for ${key}`);
    const card = res.json<{ metadata?: Record<string, unknown> }>().metadata ?? {};
    this.cards.set(key, card);
    return card;
  }

  /** The production version, if the registry has one (and answers). */
  async production(model: string): Promise<string | undefined> {
    const versions = await this.versions(model).catch(() => undefined);
    return versions?.find((v) => v.stage === 'production')?.version;
  }

  /** Production, else the latest version; undefined when the registry does not know the model. */
  async currentVersion(model: string): Promise<string | undefined> {
    const versions = await this.versions(model);
    return versions && (versions.find((v) => v.stage === 'production') ?? versions.at(-1))?.version;
  }

  private async versions(model: string): Promise<{ version: string; stage: string }[] | undefined> {
    if (!this.opts.registryAppId) return undefined;
    const res = await this.opts.dapr.invoke({ appId: this.opts.registryAppId, method: `v1/registry/models/${encodeURIComponent(model)}/versions`, timeoutMs: 10_000 });
    if (res.status === 404 || res.status === 400) return undefined;
    if (!res.ok) throw new Error(`registry answered ${res.status} for the versions of ${model}`);
    return res.json<{ version: string; stage: string }[]>();
  }
}
