import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { API_TOKEN_HEADER } from '../dapr-client.ts';
import { rootLogger } from '../logger.ts';
import { observeWithTrace } from '../metrics/observe-with-trace.ts';
import { serverDuration } from '../metrics/record-requests.ts';
import type { MetricsRegistry } from '../metrics/registry.ts';
import { SpanKind, contextFromTraceparent, currentTraceId, inSpan } from '../telemetry.ts';
import { GrpcCode, GrpcError, grpcStatusOf } from './status.ts';

/** One unary method: the request message's bytes in, the response message's bytes out. */
export type UnaryMethod = (request: Buffer, call: { metadata: IncomingHttpHeaders }) => Promise<Uint8Array>;

/** Methods by their full gRPC path, `/package.Service/Method`. */
export type GrpcMethods = Record<string, UnaryMethod>;

/** gRPC's own default for the largest message a server takes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const PREFIX = 5;

/** A gRPC length-prefixed message: a compression flag byte, a big-endian length, the bytes. */
export function frameMessage(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX + message.byteLength);
  out.writeUInt8(0, 0);
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, PREFIX);
  return out;
}

/** The one message of a unary request body; compressed messages are refused (this side advertises identity only). */
export function unframeMessage(body: Buffer): Buffer {
  if (body.byteLength < PREFIX)
    throw new GrpcError(GrpcCode.INTERNAL, `the request holds ${body.byteLength} bytes, less than one message prefix`);
  if (body[0] !== 0)
    throw new GrpcError(GrpcCode.UNIMPLEMENTED, 'compressed messages are not served; send with grpc-encoding identity');
  const length = body.readUInt32BE(1);
  if (body.byteLength !== PREFIX + length)
    throw new GrpcError(
      GrpcCode.INTERNAL,
      `a unary request holds one message: its prefix says ${length} bytes but ${body.byteLength - PREFIX} follow`,
    );
  return body.subarray(PREFIX);
}

const grpcDuration = (registry: MetricsRegistry) =>
  serverDuration(registry, {
    name: 'grpc_server_handling_seconds',
    help: 'gRPC calls served by the app, by method and status code (the _count is the call rate)',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
  });

function sameToken(given: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof given !== 'string') return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

function readBody(stream: ServerHttp2Stream, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes + PREFIX) {
        reject(new GrpcError(GrpcCode.RESOURCE_EXHAUSTED, `the request message is larger than ${maxBytes} bytes`));
        stream.removeAllListeners('data');
        stream.resume();
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks, size)));
    stream.once('error', reject);
  });
}

/** grpc-message is percent-encoded (the spec's rule: anything outside printable ASCII, and %). */
const grpcMessage = (text: string) =>
  text.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );

const GRPC_CONTENT = 'application/grpc+proto';

/**
 * Serves unary gRPC calls on HTTP/2 streams: the app token as `dapr-api-token`
 * metadata (what daprd's gRPC proxy adds), one identity-encoded message in and
 * out, errors as trailers-only answers with their gRPC code and message. Each
 * call is a server span (parent from `traceparent`) and a sample of
 * `grpc_server_handling_seconds`.
 */
export function unaryServer(o: {
  methods: GrpcMethods;
  token: string;
  registry: MetricsRegistry;
  maxMessageBytes?: number;
}): (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void {
  const expected = Buffer.from(o.token);
  const duration = grpcDuration(o.registry);
  const maxBytes = o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return (stream, headers) => {
    const path = String(headers[':path'] ?? '');
    const contentType = String(headers['content-type'] ?? '');
    if (headers[':method'] !== 'POST' || !contentType.startsWith('application/grpc')) {
      // The gRPC spec's answer to a call that is no gRPC call.
      stream.respond({ ':status': 415, 'content-type': 'text/plain' });
      stream.end('this port takes gRPC (application/grpc) over HTTP/2 here\n');
      return;
    }
    const [, service = 'unknown', method = 'unknown'] = /^\/([^/]+)\/([^/]+)$/.exec(path) ?? [];
    const start = performance.now();
    const parent = contextFromTraceparent({ traceparent: headers.traceparent, tracestate: headers.tracestate });
    const record = (code: GrpcCode) =>
      observeWithTrace(duration, {
        labels: { grpc_service: service, grpc_method: method, grpc_code: String(code) },
        value: (performance.now() - start) / 1000,
        traceId: currentTraceId(),
      });
    void inSpan(
      `grpc ${path}`,
      async () => {
        try {
          if (!sameToken(headers[API_TOKEN_HEADER], expected))
            throw new GrpcError(
              GrpcCode.UNAUTHENTICATED,
              "this port only takes calls from the app's Dapr sidecar (missing or wrong app token)",
            );
          const handler = o.methods[path];
          if (!handler) throw new GrpcError(GrpcCode.UNIMPLEMENTED, `no method ${path} is served here`);
          const request = unframeMessage(await readBody(stream, maxBytes));
          const response = await handler(request, { metadata: headers });
          if (stream.destroyed) return;
          stream.respond({ ':status': 200, 'content-type': GRPC_CONTENT }, { waitForTrailers: true });
          stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GrpcCode.OK) }));
          stream.end(frameMessage(response));
          record(GrpcCode.OK);
        } catch (err) {
          const status = grpcStatusOf(err);
          if (status.code === GrpcCode.INTERNAL && !(err instanceof GrpcError))
            rootLogger().error({ err, method: path }, 'gRPC call failed');
          else rootLogger().debug({ code: status.code, detail: status.message, method: path }, 'gRPC call refused');
          record(status.code);
          if (stream.destroyed) return;
          const traceId = currentTraceId();
          stream.respond(
            {
              ':status': 200,
              'content-type': GRPC_CONTENT,
              'grpc-status': String(status.code),
              'grpc-message': grpcMessage(status.message),
              ...(traceId ? { 'trace-id': traceId } : {}),
            },
            { endStream: true },
          );
          throw err;
        }
      },
      {
        kind: SpanKind.SERVER,
        attributes: { 'rpc.system': 'grpc', 'rpc.method': path },
        ...(parent ? { parent } : {}),
      },
    ).catch(() => undefined);
  };
}
