import type { Server } from 'node:http';
import { createServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';

/** Every HTTP/2 connection opens with this preface; no HTTP/1.x request starts with "PRI ". */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export interface SamePortGrpc {
  /** Lets every HTTP/2 session finish its calls and end, and drops connections that sent nothing yet (as the app stops). */
  close(): void;
  /** Ends every HTTP/2 session now (when the stop's grace ran out). */
  destroy(): void;
}

/**
 * Lets an HTTP/1.1 server also take cleartext HTTP/2 (h2c, prior knowledge)
 * on its own port: a connection's first bytes say which protocol it speaks,
 * and an HTTP/2 one goes to `onStream`. daprd's gRPC proxy dials the app port
 * (whatever the app protocol) for `dapr-app-id` calls, so an app keeps its
 * HTTP routes and serves gRPC on one port.
 */
export function serveGrpcOnSamePort(
  server: Server,
  onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void,
): SamePortGrpc {
  const h2 = createServer();
  const sessions = new Set<Http2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  h2.on('stream', onStream);
  // Sockets no server has yet: neither closeIdleConnections nor the sessions above know them.
  const unrouted = new Set<Socket>();
  const http1 = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    // Until the first bytes hand the socket to a server, its errors and silence are ours: a reset
    // before any data must not be an unhandled 'error', nor an idle socket be held forever, nor one
    // its peer closed without a byte (daprd's port probe) be left half-open, holding server.close().
    unrouted.add(socket);
    const drop = () => {
      unrouted.delete(socket);
      socket.destroy();
    };
    socket.on('error', drop);
    socket.once('end', drop);
    socket.setTimeout(server.headersTimeout, drop);
    const route = (first: Buffer) => {
      unrouted.delete(socket);
      socket.off('error', drop);
      socket.off('end', drop);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      const isH2 = first.subarray(0, 4).equals(H2_PREFACE.subarray(0, 4));
      if (isH2) h2.emit('connection', socket);
      else for (const listener of http1) listener.call(server, socket);
      process.nextTick(() => socket.resume());
    };
    socket.once('data', route);
  });
  return {
    close() {
      for (const socket of unrouted) socket.destroy();
      unrouted.clear();
      for (const session of sessions) session.close();
    },
    destroy() {
      for (const session of sessions) session.destroy();
    },
  };
}
