import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * An HTTP/1.1 request whose target goes on the wire exactly as written, as
 * `curl --path-as-is` sends it (fetch and URL resolve dot segments and
 * re-encode the path first, which would hide what an attacker can send).
 */
export function rawRequest(o: {
  port: number;
  method: string;
  target: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers = {
      ...o.headers,
      ...(o.body !== undefined
        ? { 'content-type': 'application/json', 'content-length': `${Buffer.byteLength(o.body)}` }
        : {}),
    };
    const req = request({ host: '127.0.0.1', port: o.port, method: o.method, path: o.target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
