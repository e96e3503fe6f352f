import { z } from 'zod';
import {
  ARTIFACT_SHA256_HEADER,
  ModelSummary,
  ModelVersionRecord,
  ModelVersionSummary,
  type RegisterVersionRequest,
  type StageChangeRequest,
} from '@meridian/contracts';
import { callApp, callAppBytes, type InvokePort } from '../app-client.ts';

const path = (...segments: string[]) => ['v1/registry/models', ...segments.map(encodeURIComponent)].join('/');

/**
 * The registry app, through Dapr service invocation. Answers are checked
 * against the registry's contracts; failures are AppErrors (NOT_FOUND for
 * an unknown model or version). The registry records the calling app from
 * its mTLS identity: no subject header is needed or believed.
 */
export class RegistryClient {
  constructor(private readonly opts: { dapr: InvokePort; appId: string; timeoutMs?: number }) {}

  private call<S extends z.ZodType>(o: {
    method: string;
    schema: S;
    httpMethod?: string;
    body?: unknown;
    what: string;
  }): Promise<z.output<S>> {
    const { dapr, appId, timeoutMs } = this.opts;
    return callApp(dapr, { appId, ...o, ...(timeoutMs ? { timeoutMs } : {}) });
  }

  models(): Promise<ModelSummary[]> {
    return this.call({ method: path(), schema: z.array(ModelSummary), what: "listing the registry's models" });
  }

  /** Every registered version of a model, oldest first. */
  versions(model: string): Promise<ModelVersionSummary[]> {
    return this.call({
      method: path(model, 'versions'),
      schema: z.array(ModelVersionSummary),
      what: `listing the versions of ${model}`,
    });
  }

  version(model: string, version: string): Promise<ModelVersionRecord> {
    return this.call({
      method: path(model, 'versions', version),
      schema: ModelVersionRecord,
      what: `reading ${model} v${version}`,
    });
  }

  /** The artifact's bytes, with the sha256 the registry checked them against. */
  async artifact(model: string, version: string): Promise<{ bytes: Buffer; sha256: string | undefined }> {
    const { dapr, appId, timeoutMs } = this.opts;
    const answer = await callAppBytes(dapr, {
      appId,
      method: path(model, 'versions', version, 'artifact'),
      what: `downloading the artifact of ${model} v${version}`,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    const sha256 = answer.headers[ARTIFACT_SHA256_HEADER];
    return { bytes: answer.body, sha256: typeof sha256 === 'string' ? sha256 : undefined };
  }

  register(model: string, request: RegisterVersionRequest): Promise<ModelVersionRecord> {
    return this.call({
      method: path(model, 'versions'),
      httpMethod: 'POST',
      body: request,
      schema: ModelVersionRecord,
      what: `registering a version of ${model}`,
    });
  }

  stage(o: { model: string; version: string } & StageChangeRequest): Promise<ModelVersionRecord> {
    const { model, version, ...request } = o;
    return this.call({
      method: path(model, 'versions', version, 'stage'),
      httpMethod: 'POST',
      body: request,
      schema: ModelVersionRecord,
      what: `moving ${model} v${version} to ${o.stage}`,
    });
  }
}
