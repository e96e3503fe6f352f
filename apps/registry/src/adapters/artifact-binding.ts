import { AppError, DaprClient, type SidecarResponse } from '@meridian/service-kit';

/**
 * Artifact bytes through a Dapr output binding (`artifacts`): local storage,
 * S3 or Azure Blob, chosen by component YAML, called through service-kit's
 * DaprClient.
 *
 * Byte-exactness: daprd hands the binding `data` as JSON, so the bytes go
 * as a base64 string. bindings.localstorage always base64-decodes what
 * decodes; bindings.aws.s3 does when the request says `decodeBase64`;
 * bindings.azure.blobstorage only when its component YAML sets
 * `decodeBase64: "true"`. Reads return the raw bytes from all three. Each
 * binding names the object by its own metadata key, so all three are sent.
 */
export class ArtifactBinding {
  constructor(private readonly opts: { dapr: DaprClient; binding: string }) {}

  private invoke(o: { operation: 'create' | 'get' | 'delete'; path: string; data?: string }): Promise<SidecarResponse> {
    const metadata: Record<string, string> = { fileName: o.path, key: o.path, blobName: o.path };
    if (o.operation === 'create') metadata.decodeBase64 = 'true';
    return this.opts.dapr.invokeBinding({ name: this.opts.binding, operation: o.operation, metadata, ...(o.data !== undefined ? { data: o.data } : {}) });
  }

  private static failure(o: { answer: SidecarResponse; what: string }): AppError {
    const text = o.answer.body.toString('utf8').slice(0, 300);
    if (/stream too large/i.test(text)) {
      return new AppError({ code: 'PAYLOAD_TOO_LARGE', message: `${o.what}: the artifact is larger than the registry's Dapr sidecar accepts (raise its --max-body-size)` });
    }
    return new AppError({ code: 'BAD_GATEWAY', message: `${o.what} failed (${o.answer.status}): ${text}` });
  }

  async put(o: { path: string; bytes: Uint8Array }): Promise<void> {
    const answer = await this.invoke({ operation: 'create', path: o.path, data: Buffer.from(o.bytes).toString('base64') });
    if (answer.status < 200 || answer.status >= 300) throw ArtifactBinding.failure({ answer, what: `storing artifact ${o.path}` });
  }

  /** The stored bytes, or undefined when the binding has no such object. */
  async get(path: string): Promise<Buffer | undefined> {
    const answer = await this.invoke({ operation: 'get', path });
    if (answer.ok) return answer.body;
    if (DaprClient.bindingObjectMissing(answer)) return undefined;
    throw ArtifactBinding.failure({ answer, what: `reading artifact ${path}` });
  }

  async remove(path: string): Promise<void> {
    const answer = await this.invoke({ operation: 'delete', path });
    if (answer.status < 200 || answer.status >= 300) throw ArtifactBinding.failure({ answer, what: `deleting artifact ${path}` });
  }
}
