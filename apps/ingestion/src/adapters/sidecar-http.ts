import { Agent, request } from 'node:http';
import { API_TOKEN_HEADER, AppError, traceHeaders } from '@meridian/service-kit';

export interface SidecarAnswer {
  status: number;
  text: string;
}

/**
 * JSON calls to the sidecar with a deadline. service-kit's DaprClient has
 * neither the bulk APIs nor a publish timeout, and an MQTT publish to a
 * broker that is down can wait for a long time; this caller must answer 503.
 */
export class SidecarHttp {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128, keepAliveMsecs: 10_000 });

  constructor(private readonly opts: { httpPort: number; apiToken: string; host?: string; timeoutMs: number }) {}

  call(o: { method: 'GET' | 'POST'; path: string; body?: unknown; what: string }): Promise<SidecarAnswer> {
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...traceHeaders(), [API_TOKEN_HEADER]: this.opts.apiToken };
      if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      const req = request({ host: this.opts.host ?? '127.0.0.1', port: this.opts.httpPort, method: o.method, path: o.path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(this.opts.timeoutMs, () => req.destroy(new Error(`timed out after ${this.opts.timeoutMs} ms`)));
      req.on('error', (cause) => reject(new AppError({ code: 'UNAVAILABLE', message: `${o.what}: Dapr sidecar unreachable or too slow`, cause })));
      req.end(body);
    });
  }
}
