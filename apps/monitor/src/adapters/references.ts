import type { ModelVersionSummary } from '@meridian/contracts';
import { AppError, unlessRefused, type RegistryClient } from '@meridian/service-kit';
import type { ModelCards } from '../domain/ports.ts';

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

  constructor(private readonly opts: { registry: RegistryClient | undefined; now?: () => number }) {}

  /** The model card a version was registered with; undefined when the registry does not know it (or there is no registry). */
  async card(model: string, version: string): Promise<Record<string, unknown> | undefined> {
    const { registry } = this.opts;
    if (!registry) return undefined;
    const key = `${model}/${version}`;
    const now = (this.opts.now ?? Date.now)();
    if (this.cards.has(key)) return this.cards.get(key);
    if ((this.unknown.get(key) ?? 0) > now) return undefined;
    try {
      const card = (await registry.version(model, version)).metadata;
      this.cards.set(key, card);
      return card;
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
      this.unknown.set(key, now + UNKNOWN_FOR_MS);
      return undefined;
    }
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

  /** A model name the registry refuses (400) is one it cannot know. */
  private async versions(model: string): Promise<ModelVersionSummary[] | undefined> {
    const { registry } = this.opts;
    return registry ? unlessRefused(registry.versions(model), ['NOT_FOUND', 'BAD_REQUEST']) : undefined;
  }
}
