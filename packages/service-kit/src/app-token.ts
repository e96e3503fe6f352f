import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { API_TOKEN_HEADER } from './dapr-client.ts';
import { AppError } from './errors.ts';

/** Probes (kubelet, the launcher) carry no token; they learn only "up" or "ready". */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/** Prometheus (2.42) cannot send a custom header: on its scrape path the app token may come as a Bearer. */
const BEARER_PATHS = new Set(['/metrics']);

function sameToken(given: string | undefined, expected: Buffer): boolean {
  if (given === undefined) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

const isRead = (req: Request) => req.method === 'GET' || req.method === 'HEAD';

function bearer(req: Request): string | undefined {
  if (!isRead(req) || !BEARER_PATHS.has(req.path)) return undefined;
  return /^Bearer (\S+)$/i.exec(req.header('authorization') ?? '')?.[1];
}

/**
 * Every request must come from this app's own sidecar, which sends the app
 * token (daprd's APP_API_TOKEN) as `dapr-api-token`: another local process,
 * or a pod that reaches the app port directly, gets 401 and never a route.
 * GET /metrics also takes the token as `Authorization: Bearer <token>`.
 */
export function requireAppToken(opts: { token: string }): RequestHandler {
  const expected = Buffer.from(opts.token);
  return function appToken(req, _res, next) {
    if (isRead(req) && OPEN_PATHS.has(req.path)) return next();
    if (sameToken(req.header(API_TOKEN_HEADER), expected) || sameToken(bearer(req), expected)) return next();
    next(
      new AppError({
        code: 'UNAUTHENTICATED',
        message: "this port only takes calls from the app's Dapr sidecar (missing or wrong app token)",
      }),
    );
  };
}
