import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** Where clients connect: 127.0.0.1:<port>. */
  readonly port: number;
  readonly target: { host: string; port: number };
  readonly isUp: boolean;
  /** Stops listening and destroys every open connection: the server is gone, as far as clients can tell. */
  down(): Promise<void>;
  /** Listens again on the same port and forwards new connections. */
  up(): Promise<void>;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A TCP forwarder in front of a server (a broker the machine runs for
 * everyone), so a test can take that server away from its clients and give
 * it back without stopping it: `down()` refuses new connections and cuts the
 * open ones, `up()` listens again on the same port. Clients reconnect as
 * they would to a restarted server.
 */
export async function startTcpProxy(opts: {
  target: { host: string; port: number };
  port?: number;
}): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const onConnection = (client: Socket) => {
    const upstream = connect(opts.target);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side failing ends both, as a broken connection to the server itself would.
    client.once('error', () => upstream.destroy());
    upstream.once('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };
  let server = createServer(onConnection);
  await listen(server, opts.port ?? 0);
  const port = (server.address() as { port: number }).port;
  let up = true;

  const down = async () => {
    if (!up) return;
    up = false;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    port,
    target: opts.target,
    get isUp() {
      return up;
    },
    down,
    async up() {
      if (up) return;
      server = createServer(onConnection);
      await listen(server, port);
      up = true;
    },
    close: down,
  };
}
