import { DaprClient, type SidecarResponse } from './dapr-client.ts';
import { AppError } from './errors.ts';

/** What object storage needs of the sidecar client (a fake in tests). */
export type BindingPort = Pick<DaprClient, 'invokeBinding'>;

/** A binding's failure text in our error messages is cut here. */
const DETAIL_CAP = 300;

/** Bindings list objects differently: plain names, objects with a name or Key, or S3's { Contents }. */
function listedNames(body: unknown): string[] {
  const contents = (body as { Contents?: unknown })?.Contents;
  const items: unknown[] = Array.isArray(body) ? body : Array.isArray(contents) ? contents : [];
  return items.flatMap((i) => {
    if (typeof i === 'string') return [i];
    const { Key, name } = (i ?? {}) as { Key?: unknown; name?: unknown };
    return typeof Key === 'string' ? [Key] : typeof name === 'string' ? [name] : [];
  });
}

/** Dapr's error body names the binding's own message; anything else is shown as text, cut. */
function detailOf(res: SidecarResponse): string {
  const text = res.text();
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message.slice(0, DETAIL_CAP);
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, DETAIL_CAP);
}

/**
 * Objects in the `artifacts` output binding: local storage, S3 or Azure Blob,
 * chosen by component YAML.
 *
 * Byte-exactness: daprd hands the binding `data` as JSON, so bytes go as a
 * base64 string. bindings.localstorage always base64-decodes what decodes;
 * bindings.aws.s3 does when the request says `decodeBase64`;
 * bindings.azure.blobstorage only when its component YAML sets
 * `decodeBase64: "true"`. Reads return the raw bytes from all three. Each
 * binding names the object by its own metadata key, so all three are sent.
 */
export class ArtifactsBinding {
  constructor(private readonly opts: { dapr: BindingPort; binding: string }) {}

  private invoke(o: { operation: 'create' | 'get' | 'delete'; path: string; data?: string }): Promise<SidecarResponse> {
    const metadata: Record<string, string> = { fileName: o.path, key: o.path, blobName: o.path };
    if (o.operation === 'create') metadata.decodeBase64 = 'true';
    return this.opts.dapr.invokeBinding({
      name: this.opts.binding,
      operation: o.operation,
      metadata,
      ...(o.data !== undefined ? { data: o.data } : {}),
    });
  }

  private failure(o: { res: SidecarResponse; what: string }): AppError {
    const detail = detailOf(o.res);
    if (/stream too large/i.test(detail)) {
      return new AppError({
        code: 'PAYLOAD_TOO_LARGE',
        message: `${o.what}: the object is larger than this app's Dapr sidecar accepts (raise its --max-body-size)`,
      });
    }
    return new AppError({ code: 'BAD_GATEWAY', message: `${o.what} failed (${o.res.status}): ${detail}` });
  }

  async put(o: { path: string; bytes: Uint8Array | string }): Promise<void> {
    const res = await this.invoke({ operation: 'create', path: o.path, data: Buffer.from(o.bytes).toString('base64') });
    if (!res.ok) throw this.failure({ res, what: `storing ${o.path} in ${this.opts.binding}` });
  }

  /** The stored bytes, or undefined when the binding has no such object. */
  async get(path: string): Promise<Buffer | undefined> {
    const res = await this.invoke({ operation: 'get', path });
    if (res.ok) return res.body;
    if (DaprClient.bindingObjectMissing(res)) return undefined;
    throw this.failure({ res, what: `reading ${path} from ${this.opts.binding}` });
  }

  /** The names of the objects under a folder, as the binding spells them (often with its root); none when the folder does not exist. */
  async list(prefix: string): Promise<string[]> {
    const res = await this.opts.dapr.invokeBinding({
      name: this.opts.binding,
      operation: 'list',
      metadata: { fileName: prefix, prefix },
    });
    if (res.ok) return listedNames(res.json<unknown>());
    if (DaprClient.bindingObjectMissing(res)) return [];
    throw this.failure({ res, what: `listing ${prefix} in ${this.opts.binding}` });
  }

  async remove(path: string): Promise<void> {
    const res = await this.invoke({ operation: 'delete', path });
    if (!res.ok) throw this.failure({ res, what: `deleting ${path} from ${this.opts.binding}` });
  }
}
