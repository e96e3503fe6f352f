export { rawRequest, type RawAnswer } from '@meridian/testkit';
import { request } from 'node:http';

/** One server-sent message as read: an event with its parsed data, or a comment. */
export type SseMessage = { event: string; data: unknown } | { comment: string };

export interface OpenStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Every message so far, in order. */
  readonly messages: SseMessage[];
  /** The first matching message after the last one `next` answered, as soon as it arrives. */
  next(match?: (m: SseMessage) => boolean): Promise<SseMessage>;
  /** The answer's body when it was not a stream (a problem). */
  text(): Promise<string>;
  /** Hangs up, as a closed browser tab does. */
  close(): void;
}

/** Opens `GET path` and reads its answer as server-sent events while it stays open. */
export function openStream(o: { port: number; path: string; token?: string }): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const req = request({ host: '127.0.0.1', port: o.port, method: 'GET', path: o.path, headers }, (res) => {
      const messages: SseMessage[] = [];
      const waiters: { from: number; match: (m: SseMessage) => boolean; found(m: SseMessage): void }[] = [];
      let buffer = '';
      let raw = '';
      const ended = new Promise<void>((done) => res.on('end', done).on('close', done));
      const settle = () => {
        for (const w of [...waiters]) {
          const hit = messages.slice(w.from).find(w.match);
          if (hit) {
            waiters.splice(waiters.indexOf(w), 1);
            w.found(hit);
          }
        }
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          messages.push(parseBlock(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
        }
        settle();
      });
      let read = 0;
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        next(match = () => true) {
          return new Promise((found) => {
            waiters.push({
              from: read,
              match,
              found: (m) => {
                read = messages.indexOf(m) + 1;
                found(m);
              },
            });
            settle();
          });
        },
        text: () => ended.then(() => raw),
        close: () => req.destroy(),
      });
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

function parseBlock(block: string): SseMessage {
  if (block.startsWith(':')) return { comment: block.slice(1).trim() };
  const fields = Object.fromEntries(
    block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { event: fields.event ?? 'message', data: JSON.parse(fields.data ?? 'null') };
}
