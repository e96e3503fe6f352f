import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { API_TOKEN_HEADER } from './dapr-client.ts';
import { AppError } from './errors.ts';

/** Probes (kubelet, the launcher) carry no token; they learn only "up" or "ready". */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

function sameToken(given: string, expected: Buffer): boolean {
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

/**
 * Every request must come from this app's own sidecar, which sends the app
 * token (daprd's APP_API_TOKEN) as `dapr-api-token`: another local process,
 * or a pod that reaches the app port directly, gets 401 and never a route.
 */
export function requireAppToken(opts: { token: string }): RequestHandler {
  const expected = Buffer.from(opts.token);
  return function appToken(req, _res, next) {
    if ((req.method === 'GET' || req.method === 'HEAD') && OPEN_PATHS.has(req.path)) return next();
    const given = req.header(API_TOKEN_HEADER);
    if (given !== undefined && sameToken(given, expected)) return next();
    next(
      new AppError({
        code: 'UNAUTHENTICATED',
        message: "this port only takes calls from the app's Dapr sidecar (missing or wrong app token)",
      }),
    );
  };
}
