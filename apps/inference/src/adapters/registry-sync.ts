import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelPolicy, type ModelVersionSummary } from '@meridian/contracts';
import { sha256Hex, writeModelVersion } from '@meridian/ml';
import { rootLogger, type RegistryClient } from '@meridian/service-kit';
import type { ModelStore } from '../domain/model-store.ts';

/**
 * Serves what the registry says: the production version is the champion,
 * a staging version is a canary at a configured share. Artifacts are copied
 * into the local model repository (the registry's checksum must match, and
 * it is checked again on load), so a restart serves without the registry.
 * Syncing is convergent: running it twice changes nothing, which makes the
 * lifecycle-event consumer idempotent.
 */
/** The versions serving follows: production, and the newest staging version. */
function stagesOf(versions: ModelVersionSummary[]) {
  const production = versions.find((v) => v.stage === 'production');
  const staging = versions
    .filter((v) => v.stage === 'staging')
    .sort((a, b) => Number(b.version) - Number(a.version))[0];
  return { production, staging, key: `${production?.version ?? ''}/${staging?.version ?? ''}` };
}

export class RegistrySync {
  /** Per model, the registry's production and staging versions as last applied here. */
  private readonly applied = new Map<string, string>();

  constructor(
    private readonly opts: { registry: RegistryClient; store: ModelStore; repository: string; canaryPercent: number },
  ) {}

  async syncAll(): Promise<void> {
    for (const m of await this.opts.registry.models()) await this.syncModel(m.name);
  }

  /**
   * Catches up with lifecycle events this instance did not receive: replicas share one consumer
   * group, so each event reaches one of them. Only a model whose production or staging version
   * differs from what was last applied is synced again, so a traffic policy an admin set since
   * is left alone.
   */
  async refresh(): Promise<void> {
    for (const m of await this.opts.registry.models()) {
      const versions = await this.opts.registry.versions(m.name);
      if (this.applied.get(m.name) !== stagesOf(versions).key) await this.syncModel(m.name, versions);
    }
  }

  async syncModel(name: string, known?: ModelVersionSummary[]): Promise<void> {
    const versions = known ?? (await this.opts.registry.versions(name));
    const { production, staging, key } = stagesOf(versions);
    const wanted = [production, staging].filter((v): v is ModelVersionSummary => v !== undefined);
    for (const v of wanted) {
      try {
        await this.ensureLocal(name, v.version);
        const entry = this.opts.store.entry(name);
        if (!entry?.versions.has(v.version)) await this.opts.store.load(name, v.version);
      } catch (err) {
        rootLogger().error(
          { model: name, version: v.version, reason: (err as Error).message },
          'registry version refused; what was serving keeps serving',
        );
      }
    }
    const entry = this.opts.store.entry(name);
    if (!entry) return;
    const live = (v?: ModelVersionSummary) => (v && entry.versions.has(v.version) ? v.version : undefined);
    const champion = live(production);
    const canary = live(staging);
    const policy = ModelPolicy.parse({
      ...entry.policy,
      ...(champion ? { default_version: champion } : {}),
      traffic: {
        ...entry.policy.traffic,
        canary: canary && canary !== champion ? { version: canary, percent: this.opts.canaryPercent } : undefined,
      },
    });
    await this.opts.store.setPolicy(name, policy);
    this.applied.set(name, key);
    rootLogger().info({ model: name, production: champion, canary }, 'serving follows the registry');
  }

  private async ensureLocal(name: string, version: string): Promise<void> {
    const dir = join(this.opts.repository, name, version, 'model.json');
    if (
      await access(dir).then(
        () => true,
        () => false,
      )
    )
      return;
    const record = await this.opts.registry.version(name, version);
    const artifact = (await this.opts.registry.artifact(name, version)).bytes;
    const actual = sha256Hex(artifact);
    if (actual !== record.artifact.sha256) {
      throw new Error(
        `checksum mismatch for ${name} v${version} from the registry (expected sha256 ${record.artifact.sha256}, got ${actual})`,
      );
    }
    await writeModelVersion({
      repository: this.opts.repository,
      name,
      version,
      artifact,
      artifactFile: record.artifact.file,
      metadata: { ...record.metadata, version },
    });
  }
}
