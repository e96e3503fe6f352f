import { connect } from 'node:net';

type Reply = string | number | null | Reply[] | Error;

/** Parses one RESP reply at `at`; undefined when the buffer does not hold all of it yet. */
function parse(buf: Buffer, at: number): { value: Reply; next: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol === -1) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return { value: line, next: eol + 2 };
    case '-':
      return { value: new Error(line), next: eol + 2 };
    case ':':
      return { value: Number(line), next: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, next: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + n), next: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      const items: Reply[] = [];
      let next = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: n < 0 ? null : items, next };
    }
    default:
      throw new Error(`unexpected RESP reply: ${line}`);
  }
}

/**
 * Sends Redis commands on one connection (pipelined) and answers their
 * replies in order; an error reply is an Error in its place, not a throw.
 * Enough RESP for the test platform's housekeeping; no client library is in
 * the lockfile.
 */
export function redisCommands(
  o: { host: string; port: number; timeoutMs?: number },
  commands: string[][],
): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: o.host, port: o.port });
    const replies: Reply[] = [];
    let buffer = Buffer.alloc(0);
    socket.setTimeout(o.timeoutMs ?? 5000, () =>
      socket.destroy(new Error(`redis at ${o.host}:${o.port} did not answer`)),
    );
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let r = parse(buffer, 0); r; r = parse(buffer, 0)) {
        replies.push(r.value);
        buffer = buffer.subarray(r.next);
      }
      if (replies.length >= commands.length) {
        socket.end();
        resolve(replies);
      }
    });
    const wire = commands
      .map((args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
      .join('');
    if (!commands.length) resolve([]);
    else socket.write(wire);
  });
}
