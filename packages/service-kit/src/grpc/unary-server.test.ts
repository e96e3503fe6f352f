import { createServer } from 'node:http';
import { connect } from 'node:http2';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { createMetricsRegistry } from '../metrics/registry.ts';
import { serveGrpcOnSamePort } from './same-port.ts';
import { GrpcCode, GrpcError, grpcStatusOf } from './status.ts';
import { frameMessage, unaryServer, unframeMessage } from './unary-server.ts';

createLogger({ name: 'test', level: 'silent' });
const registry = createMetricsRegistry();
const http1 = createServer((req, res) => void res.end(`http/1.1 ${req.method} ${req.url}`));
const grpc = serveGrpcOnSamePort(
  http1,
  unaryServer({
    token: 'app-token',
    registry,
    maxMessageBytes: 64,
    methods: {
      '/t.Echo/Upper': async (req) => Buffer.from(req.toString('utf8').toUpperCase()),
      '/t.Echo/Busy': async () => {
        throw new AppError({ code: 'TOO_MANY_REQUESTS', message: 'model m is at its limit' });
      },
      '/t.Echo/Bug': async () => {
        throw new Error('secret detail');
      },
    },
  }),
);
await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(http1.address() as AddressInfo).port}`;
const session = connect(base);
afterAll(async () => {
  session.close();
  grpc.close();
  await new Promise((resolve) => http1.close(resolve));
});

/** One HTTP/2 request; the answer's headers, trailers and body. */
function h2(o: { path: string; body?: Buffer; headers?: Record<string, string> }) {
  return new Promise<{ headers: Record<string, unknown>; trailers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': o.path,
        'content-type': 'application/grpc',
        'dapr-api-token': 'app-token',
        ...o.headers,
      });
      const headers: Record<string, unknown> = {};
      const trailers: Record<string, unknown> = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => Object.assign(headers, h));
      stream.on('trailers', (t) => Object.assign(trailers, t));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ headers, trailers, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
      stream.end(o.body ?? frameMessage(Buffer.from('')));
    },
  );
}

describe('unary gRPC on an HTTP/1.1 server port', () => {
  it('when HTTP/1.1 and HTTP/2 clients share the port, then each is answered in its own protocol', async () => {
    expect(await (await fetch(`${base}/v2`)).text()).toBe('http/1.1 GET /v2');
    const answer = await h2({ path: '/t.Echo/Upper', body: frameMessage(Buffer.from('hello')) });
    expect([answer.headers[':status'], answer.trailers['grpc-status']]).toEqual([200, '0']);
    expect(unframeMessage(answer.body).toString()).toBe('HELLO');
  });

  it('when a call is refused, then the answer is trailers-only with the code and a percent-encoded message', async () => {
    const cases: [Parameters<typeof h2>[0], number, string][] = [
      [
        { path: '/t.Echo/Upper', headers: { 'dapr-api-token': 'wrong' } },
        16,
        "only takes calls from the app's Dapr sidecar",
      ],
      [{ path: '/t.Echo/Nope' }, 12, 'no method /t.Echo/Nope'],
      [{ path: '/t.Echo/Busy' }, 8, 'model m is at its limit'],
      [{ path: '/t.Echo/Bug' }, 13, 'internal error'],
      [{ path: '/t.Echo/Upper', body: Buffer.from([1, 0, 0, 0, 1, 9]) }, 12, 'compressed messages are not served'],
      [{ path: '/t.Echo/Upper', body: Buffer.from([0, 0, 0, 0, 9]) }, 13, 'prefix says 9 bytes but 0 follow'],
      [{ path: '/t.Echo/Upper', body: frameMessage(Buffer.alloc(65)) }, 8, 'larger than 64 bytes'],
    ];
    for (const [request, code, message] of cases) {
      const answer = await h2(request);
      expect(answer.headers['grpc-status'], request.path).toBe(String(code));
      expect(decodeURIComponent(String(answer.headers['grpc-message']))).toContain(message);
      expect(answer.body.byteLength).toBe(0);
    }
  });

  it('when a client resets its connection before sending a byte, then the server keeps serving', async () => {
    const socket = netConnect((http1.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.resetAndDestroy();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(await (await fetch(`${base}/v2`)).text()).toBe('http/1.1 GET /v2');
  });

  it('when an HTTP/2 request is no gRPC call, then it gets 415 and never a method', async () => {
    const answer = await h2({ path: '/t.Echo/Upper', headers: { 'content-type': 'application/json' } });
    expect(answer.headers[':status']).toBe(415);
  });

  it('when calls are answered, then grpc_server_handling_seconds counts them by method and code', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(
      /grpc_server_handling_seconds_count\{grpc_service="t\.Echo",grpc_method="Upper",grpc_code="0"\} [1-9]/,
    );
    expect(text).toMatch(
      /grpc_server_handling_seconds_count\{grpc_service="t\.Echo",grpc_method="Busy",grpc_code="8"\} 1/,
    );
  });
});

describe('connections that send nothing', () => {
  /** A server of its own (this one is closed), with a client connected that has not sent a byte. */
  async function silentClient() {
    const server = createServer((_req, res) => void res.end('ok'));
    const grpc = serveGrpcOnSamePort(server, () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = netConnect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const ended = new Promise((resolve) => socket.once('end', resolve));
    return { server, grpc, socket, ended };
  }

  it('when a client closes its side without sending a byte (a port probe), then the server closes its side too', async () => {
    const { server, socket, ended } = await silentClient();
    socket.end();
    await ended;
    await new Promise((resolve) => server.close(resolve));
  });

  it('when the app stops while a client has sent nothing, then close ends that connection and the server closes', async () => {
    const { server, grpc, ended } = await silentClient();
    const closed = new Promise((resolve) => server.close(resolve));
    grpc.close();
    await ended;
    await closed;
  });
});

describe('grpcStatusOf', () => {
  it('when errors of each kind are given, then Meridian codes map to gRPC codes and unknown errors hide their text', () => {
    expect(grpcStatusOf(new AppError({ code: 'BAD_REQUEST', message: 'm' }))).toEqual({
      code: GrpcCode.INVALID_ARGUMENT,
      message: 'm',
    });
    expect(grpcStatusOf(new AppError({ code: 'NOT_FOUND', message: 'm' })).code).toBe(GrpcCode.NOT_FOUND);
    expect(grpcStatusOf(new AppError({ code: 'DEADLINE_EXCEEDED', message: 'm' })).code).toBe(
      GrpcCode.DEADLINE_EXCEEDED,
    );
    expect(grpcStatusOf(new GrpcError(GrpcCode.UNIMPLEMENTED, 'x'))).toEqual({ code: 12, message: 'x' });
    expect(grpcStatusOf(new Error('secret'))).toEqual({ code: GrpcCode.INTERNAL, message: 'internal error' });
  });
});
