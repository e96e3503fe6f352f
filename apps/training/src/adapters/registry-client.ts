import { AppError, type DaprClient } from '@meridian/service-kit';

export interface RegistryVersion {
  version: string;
  stage: string;
  metrics?: Record<string, number>;
}

/** The registry app, reached through Dapr service invocation. */
export class RegistryClient {
  constructor(private readonly opts: { dapr: DaprClient; appId: string }) {}

  /** The registry records this app as `app:training` from its mTLS identity; no subject header is needed or believed. */
  private async call<T>(o: { method: string; path: string; body?: unknown }): Promise<T> {
    const res = await this.opts.dapr.invoke({
      appId: this.opts.appId, method: o.path, httpMethod: o.method,
      ...(o.body !== undefined ? { body: o.body } : {}),
    });
    if (!res.ok) throw new AppError({ code: res.status === 404 ? 'NOT_FOUND' : 'BAD_GATEWAY', message: `registry ${o.method} ${o.path} failed (${res.status}): ${res.text().slice(0, 300)}` });
    return res.json<T>();
  }

  async versions(model: string): Promise<RegistryVersion[]> {
    try {
      return await this.call<RegistryVersion[]>({ method: 'GET', path: `v1/registry/models/${model}/versions` });
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND') return [];
      throw err;
    }
  }

  async production(model: string): Promise<RegistryVersion | undefined> {
    return (await this.versions(model)).find((v) => v.stage === 'production');
  }

  async register(o: { model: string; artifact: Uint8Array; artifactFile: string; metadata: unknown; codeVersion: string }): Promise<string> {
    const body = { artifact: Buffer.from(o.artifact).toString('base64'), artifact_file: o.artifactFile, metadata: o.metadata, code_version: o.codeVersion };
    return (await this.call<{ version: string }>({ method: 'POST', path: `v1/registry/models/${o.model}/versions`, body })).version;
  }

  /**
   * Moves a version to a stage. Workflow activities may run again after a
   * crash, so a version already in the wanted stage counts as moved.
   */
  async stage(o: { model: string; version: string; stage: string; reason: string }): Promise<void> {
    try {
      await this.call({ method: 'POST', path: `v1/registry/models/${o.model}/versions/${o.version}/stage`, body: { stage: o.stage, reason: o.reason } });
    } catch (err) {
      const current = (await this.versions(o.model)).find((v) => v.version === o.version)?.stage;
      if (current !== o.stage) throw err;
    }
  }
}
