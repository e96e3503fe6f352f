export { rawRequest, type RawAnswer } from '@meridian/testkit';
import { connect as h2connect, constants as h2 } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';

/**
 * One unary gRPC call with an empty message over plain-text HTTP/2 (h2c), as
 * daprd's API port speaks it; answers the grpc-status, or the transport error.
 */
export function grpcStatus(o: { port: number; method: string; token?: string }): Promise<number | string> {
  return new Promise((resolve) => {
    const session = h2connect(`http://127.0.0.1:${o.port}`);
    session.on('error', (err) => resolve(`transport: ${err.message}`));
    const stream = session.request({
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: o.method,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(o.token ? { 'dapr-api-token': o.token } : {}),
    });
    let status: number | undefined;
    const done = (v: number | string) => {
      session.close();
      resolve(v);
    };
    stream.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) status = Number(headers['grpc-status']);
    });
    stream.on('trailers', (trailers) => {
      status = Number(trailers['grpc-status']);
    });
    stream.on('data', () => undefined);
    stream.on('end', () => done(status ?? 'no grpc-status'));
    stream.on('error', (err) => done(`transport: ${err.message}`));
    stream.end(Buffer.alloc(5));
  });
}

/**
 * What a daprd's internal (sidecar-to-sidecar) gRPC port answers to a client
 * that does not hold a certificate from the platform's CA: plain text, or TLS
 * with a certificate from another CA. Resolves with how the attempt ended.
 */
export function internalGrpcAttempt(o: {
  port: number;
  tls?: { cert: string; key: string };
}): Promise<'answered' | string> {
  return new Promise((resolve) => {
    const finish = (v: string) => resolve(v);
    const request = (session: ReturnType<typeof h2connect>) => {
      session.on('error', (err) => finish(`refused: ${err.message}`));
      const stream = session.request({
        [h2.HTTP2_HEADER_METHOD]: 'POST',
        [h2.HTTP2_HEADER_PATH]: '/dapr.proto.internals.v1.ServiceInvocation/CallLocal',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('response', () => finish('answered'));
      stream.on('error', (err) => finish(`refused: ${err.message}`));
      stream.on('close', () => finish('refused: stream closed without an answer'));
      stream.end(Buffer.alloc(5));
      setTimeout(() => finish('refused: no answer in 5 s'), 5000).unref();
    };
    if (!o.tls) {
      request(h2connect(`http://127.0.0.1:${o.port}`));
      return;
    }
    const { cert, key } = o.tls;
    request(
      h2connect(`https://127.0.0.1:${o.port}`, {
        createConnection: () =>
          tlsConnect({ host: '127.0.0.1', port: o.port, cert, key, ALPNProtocols: ['h2'], rejectUnauthorized: false }),
      }),
    );
  });
}
