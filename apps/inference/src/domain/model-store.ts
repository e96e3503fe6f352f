import { readdir, readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelPolicy, type RepositoryIndexEntry } from '@meridian/contracts';
import { listModelVersions, readModelVersion, type ModelMetadata } from '@meridian/ml';
import { AppError, rootLogger } from '@meridian/service-kit';
import { ModelVersion } from './model-version.ts';
import type { RuntimeCatalog } from './ports.ts';
import { withTransform } from './with-transform.ts';

export interface ModelEntry {
  name: string;
  versions: Map<string, ModelVersion>;
  policy: ModelPolicy;
}

const byNumber = (a: string, b: string) => Number(a) - Number(b);
const POLICY_FILE = 'policy.json';

/**
 * The models this process serves, from a model repository folder
 * (<repo>/<name>/<version>/ with model.json and its artifact, and an
 * optional <repo>/<name>/policy.json). Versions load, warm up and only then
 * take traffic; a version that fails to load changes nothing; unloading
 * waits for the version's in-flight requests.
 */
export class ModelStore {
  private readonly models = new Map<string, ModelEntry>();
  private readonly failures = new Map<string, string>();

  constructor(
    private readonly opts: {
      repository: string;
      threads: number;
      runtimes: RuntimeCatalog;
      onBatch?: (model: string, version: string, rows: number) => void;
    },
  ) {}

  entry(name: string): ModelEntry | undefined {
    return this.models.get(name);
  }

  list(): ModelEntry[] {
    return [...this.models.values()];
  }

  /** The version answering unpinned requests: the policy's default when loaded, else the newest. */
  champion(entry: ModelEntry): ModelVersion | undefined {
    const wanted = entry.policy.default_version;
    if (wanted && entry.versions.has(wanted)) return entry.versions.get(wanted);
    return [...entry.versions.values()].sort((a, b) => byNumber(a.version, b.version)).at(-1);
  }

  async names(): Promise<string[]> {
    return (await readdir(this.opts.repository, { withFileTypes: true }).catch(() => []))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  }

  async index(): Promise<RepositoryIndexEntry[]> {
    const rows: RepositoryIndexEntry[] = [];
    for (const name of await this.names()) {
      for (const version of await listModelVersions({ repository: this.opts.repository, name })) {
        const loaded = this.models.get(name)?.versions.has(version);
        const reason = this.failures.get(`${name}/${version}`);
        rows.push({ name, version, state: loaded ? 'READY' : 'UNAVAILABLE', ...(reason && !loaded ? { reason } : {}) });
      }
    }
    return rows;
  }

  async loadAll(): Promise<void> {
    for (const name of await this.names()) {
      await this.load(name).catch((err: unknown) =>
        rootLogger().error({ err: (err as Error).message, model: name }, 'model not loaded'),
      );
    }
  }

  /** Loads one version, or every version in the repository not loaded yet. */
  async load(name: string, version?: string): Promise<string[]> {
    const available = await listModelVersions({ repository: this.opts.repository, name }).catch(() => [] as string[]);
    if (!available.length) throw new AppError({ code: 'NOT_FOUND', message: `model ${name} is not in the repository` });
    if (version !== undefined && !available.includes(version))
      throw new AppError({ code: 'NOT_FOUND', message: `model ${name} has no version ${version} in the repository` });
    const entry = this.models.get(name) ?? { name, versions: new Map(), policy: await this.readPolicy(name) };
    const wanted = version !== undefined ? [version] : available.filter((v) => !entry.versions.has(v));
    const loaded: string[] = [];
    const errors: string[] = [];
    for (const v of wanted) {
      try {
        const handle = await this.loadVersion(entry, v);
        const previous = entry.versions.get(v);
        entry.versions.set(v, handle);
        this.models.set(name, entry);
        this.failures.delete(`${name}/${v}`);
        if (previous) void previous.retire();
        loaded.push(v);
        rootLogger().info(
          { model: name, version: v, platform: handle.metadata.platform },
          'model version loaded and warmed up',
        );
      } catch (err) {
        const reason = (err as Error).message;
        this.failures.set(`${name}/${v}`, reason);
        errors.push(`version ${v}: ${reason}`);
        rootLogger().error(
          { model: name, version: v, reason },
          'model version failed to load; what was serving keeps serving',
        );
      }
    }
    if (errors.length)
      throw new AppError({ code: 'BAD_REQUEST', message: `model ${name} failed to load: ${errors.join('; ')}` });
    return loaded;
  }

  private async loadVersion(entry: ModelEntry, version: string): Promise<ModelVersion> {
    const { metadata, artifactPath } = await readModelVersion({
      repository: this.opts.repository,
      name: entry.name,
      version,
    });
    const card = metadata as unknown as ModelMetadata;
    const runtime = this.opts.runtimes(card.platform);
    const handle = new ModelVersion({
      name: entry.name,
      version,
      metadata: card,
      oipPlatform: runtime.oipPlatform,
      runtime: withTransform(await runtime.load({ artifactPath, metadata: card, threads: this.opts.threads }), card),
      policy: () => entry.policy,
      onBatch: (rows) => this.opts.onBatch?.(entry.name, version, rows),
    });
    try {
      await handle.warmUp();
    } catch (err) {
      await handle.retire();
      throw new Error(`warm-up inference failed: ${(err as Error).message}`);
    }
    return handle;
  }

  /** Takes versions out of service; each is released once its in-flight requests finish. */
  async unload(name: string, version?: string): Promise<string[]> {
    const entry = this.models.get(name);
    if (!entry) throw new AppError({ code: 'NOT_FOUND', message: `model ${name} is not loaded` });
    const targets = version !== undefined ? [version] : [...entry.versions.keys()];
    const handles = targets.map((v) => {
      const h = entry.versions.get(v);
      if (!h) throw new AppError({ code: 'NOT_FOUND', message: `model ${name} has no version ${v} loaded` });
      return h;
    });
    for (const v of targets) entry.versions.delete(v);
    if (!entry.versions.size) this.models.delete(name);
    await Promise.all(handles.map((h) => h.retire()));
    rootLogger().info({ model: name, versions: targets }, 'model versions unloaded');
    return targets;
  }

  /** Replaces a model's policy at run time and keeps it in the repository for the next start. */
  async setPolicy(name: string, policy: ModelPolicy): Promise<void> {
    const entry = this.models.get(name);
    if (!entry) throw new AppError({ code: 'NOT_FOUND', message: `model ${name} is not loaded` });
    entry.policy = policy;
    const file = join(this.opts.repository, name, POLICY_FILE);
    await writeFile(`${file}.tmp`, `${JSON.stringify(policy, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }

  private async readPolicy(name: string): Promise<ModelPolicy> {
    const text = await readFile(join(this.opts.repository, name, POLICY_FILE), 'utf8').catch(() => '{}');
    const parsed = ModelPolicy.safeParse(JSON.parse(text));
    if (!parsed.success) {
      rootLogger().error({ model: name, issues: parsed.error.issues }, `invalid ${POLICY_FILE}; using defaults`);
      return ModelPolicy.parse({});
    }
    return parsed.data;
  }

  async close(): Promise<void> {
    await Promise.all(this.list().flatMap((e) => [...e.versions.values()].map((v) => v.retire())));
  }
}
