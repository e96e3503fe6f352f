import { Agent, request } from 'node:http';
import { AppError, traceHeaders } from '@meridian/service-kit';

interface BindingAnswer {
  status: number;
  body: Buffer;
}

/**
 * Artifact bytes through a Dapr output binding (`artifacts`): local storage,
 * S3 or Azure Blob, chosen by component YAML. service-kit's DaprClient has
 * no binding call, hence this small client on the same node:http pattern.
 *
 * Byte-exactness: daprd hands the binding `data` as JSON, so the bytes go
 * as a base64 string. bindings.localstorage always base64-decodes what
 * decodes; bindings.aws.s3 does when the request says `decodeBase64`;
 * bindings.azure.blobstorage only when its component YAML sets
 * `decodeBase64: "true"`. Reads return the raw bytes from all three. Each
 * binding names the object by its own metadata key, so all three are sent.
 */
export class ArtifactBinding {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  constructor(private readonly opts: { httpPort: number; binding: string; host?: string }) {}

  private invoke(o: { operation: 'create' | 'get' | 'delete'; path: string; data?: string }): Promise<BindingAnswer> {
    const metadata: Record<string, string> = { fileName: o.path, key: o.path, blobName: o.path };
    if (o.operation === 'create') metadata.decodeBase64 = 'true';
    const body = JSON.stringify({ operation: o.operation, metadata, ...(o.data !== undefined ? { data: o.data } : {}) });
    return new Promise((resolve, reject) => {
      const req = request({
        host: this.opts.host ?? '127.0.0.1', port: this.opts.httpPort, method: 'POST', agent: this.agent,
        path: `/v1.0/bindings/${encodeURIComponent(this.opts.binding)}`,
        headers: { ...traceHeaders(), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', (cause) => reject(new AppError({ code: 'UNAVAILABLE', message: `Dapr sidecar unreachable during artifact ${o.operation}`, cause })));
      req.end(body);
    });
  }

  private static failure(o: { answer: BindingAnswer; what: string }): AppError {
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
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    if (/not found|no such file|does not exist/i.test(answer.body.toString('utf8'))) return undefined;
    throw ArtifactBinding.failure({ answer, what: `reading artifact ${path}` });
  }

  async remove(path: string): Promise<void> {
    const answer = await this.invoke({ operation: 'delete', path });
    if (answer.status < 200 || answer.status >= 300) throw ArtifactBinding.failure({ answer, what: `deleting artifact ${path}` });
  }
}
