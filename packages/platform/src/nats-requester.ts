import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface NatsRequester {
  /** Publishes a JSON request and resolves with the JSON reply. */
  request(subject: string, body: object): Promise<unknown>;
  close(): void;
}

const CRLF = Buffer.from('\r\n');

/**
 * Request/reply over the NATS text protocol, which is all JetStream's
 * management API ($JS.API.*) needs; no client library is in the lockfile.
 * Replies come to an inbox of this connection, one reply subject per request.
 */
export async function connectNats(o: { url: string; name: string; timeoutMs?: number }): Promise<NatsRequester> {
  const { hostname, port } = new URL(o.url);
  const timeoutMs = o.timeoutMs ?? 5000;
  const socket: Socket = connect({ host: hostname, port: Number(port || 4222) });
  const inbox = `_INBOX.${randomUUID().replace(/-/g, '')}`;
  const pending = new Map<string, { resolve: (payload: Buffer) => void; reject: (err: Error) => void }>();
  let buffer = Buffer.alloc(0);
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  socket.on('error', (err) => fail(new Error(`nats ${o.url}: ${err.message}`)));
  socket.on('close', () => fail(new Error(`nats ${o.url}: connection closed`)));
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const eol = buffer.indexOf(CRLF);
      if (eol < 0) return;
      const line = buffer.subarray(0, eol).toString('utf8');
      // MSG <subject> <sid> [reply] <bytes> | HMSG <subject> <sid> [reply] <header bytes> <total bytes>
      const words = line.split(' ');
      if (words[0] === 'MSG' || words[0] === 'HMSG') {
        const total = Number(words.at(-1));
        const headerBytes = words[0] === 'HMSG' ? Number(words.at(-2)) : 0;
        if (buffer.length < eol + 2 + total + 2) return;
        const headers = buffer.subarray(eol + 2, eol + 2 + headerBytes).toString('utf8');
        const payload = buffer.subarray(eol + 2 + headerBytes, eol + 2 + total);
        buffer = buffer.subarray(eol + 2 + total + 2);
        const waiter = pending.get(words[1]!);
        pending.delete(words[1]!);
        // A status header instead of a reply: 503 means nobody serves the subject (JetStream off).
        if (/^NATS\/1\.0 503/.test(headers))
          waiter?.reject(new Error(`nats ${o.url}: no responders (is JetStream enabled?)`));
        else waiter?.resolve(Buffer.from(payload));
        continue;
      }
      buffer = buffer.subarray(eol + 2);
      if (line === 'PING') socket.write('PONG\r\n');
      else if (line.startsWith('-ERR')) fail(new Error(`nats ${o.url}: ${line}`));
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  }).catch((err: Error) => {
    socket.destroy();
    throw new Error(`cannot reach NATS at ${o.url}: ${err.message}`);
  });
  const connectOpts = { verbose: false, pedantic: false, name: o.name, headers: true, no_responders: true };
  socket.write(`CONNECT ${JSON.stringify(connectOpts)}\r\nSUB ${inbox}.* 1\r\n`);

  let seq = 0;
  return {
    async request(subject, body) {
      if (failure) throw failure;
      const reply = `${inbox}.${++seq}`;
      const json = JSON.stringify(body);
      const answer = new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(reply);
          reject(new Error(`nats ${o.url}: no answer to ${subject} within ${timeoutMs} ms`));
        }, timeoutMs);
        timer.unref();
        pending.set(reply, {
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
      socket.write(`PUB ${subject} ${reply} ${Buffer.byteLength(json)}\r\n${json}\r\n`);
      return JSON.parse((await answer).toString('utf8')) as unknown;
    },
    close() {
      socket.removeAllListeners('close');
      socket.destroy();
    },
  };
}
