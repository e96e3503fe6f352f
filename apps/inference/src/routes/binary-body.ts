import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';
import type { InferResponse } from '@meridian/contracts';
import { encodeBinaryResponse } from '../domain/binary-outputs.ts';
import { BINARY_HEADER, decodeBinaryRequest } from '../domain/binary-tensors.ts';

const OCTETS = 'application/octet-stream';

// Triton's Python client sends the header with no content type at all; others say octet-stream.
const carriesBinary = (req: IncomingMessage) =>
  req.headers[BINARY_HEADER] !== undefined ||
  req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === OCTETS;

/**
 * For ServiceDefinition.before: a body announced by Inference-Header-Content-Length
 * is JSON followed by raw bytes, which the app-wide JSON parser would refuse
 * when the client labels it application/json. Relabelling it leaves it to
 * readInferBody. It reads nothing, so it may run before the app-token check.
 */
export const keepBinaryBodiesRaw: RequestHandler = function keepBinaryBodiesRaw(req, _res, next) {
  if (req.method === 'POST' && req.path.endsWith('/infer') && req.header(BINARY_HEADER) !== undefined)
    req.headers['content-type'] = OCTETS;
  next();
};

/** Reads a binary tensor body whole, up to `limit` (413 past it); a JSON body was already parsed and passes. */
export function readInferBody(o: { limit: string }): RequestHandler {
  return express.raw({ type: carriesBinary, limit: o.limit });
}

/** The request as its JSON form: decoded from a binary body, or the parsed JSON body as it came. */
export function inferBody(req: Request): unknown {
  if (!Buffer.isBuffer(req.body)) return req.body;
  return decodeBinaryRequest({ body: req.body, headerLength: req.header(BINARY_HEADER) });
}

/**
 * The answer in JSON, or JSON then bytes (octet-stream, with the JSON part's length) when outputs are binary;
 * with node:http's own calls, as infer also runs in the lean lane.
 */
export function sendInferResponse(
  res: ServerResponse,
  o: { response: InferResponse; binary: (name: string) => boolean },
): void {
  const encoded = encodeBinaryResponse(o);
  const body = encoded ? encoded.body : Buffer.from(JSON.stringify(o.response));
  if (encoded) res.setHeader(BINARY_HEADER, String(encoded.headerLength));
  res.setHeader('content-type', encoded ? OCTETS : 'application/json; charset=utf-8');
  res.setHeader('content-length', body.length);
  res.end(body);
}
