import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Requests an app answers without Express: its hot routes. The same
 * forwarding handler cost about three times the CPU behind Express as on
 * node:http (0.16 → 0.5 ms per request, `docs/performance.md`). A request the
 * lane takes runs the same steps, the same instances, in the same order as
 * under Express: span, log, metrics, the app's `before` steps, its token, the
 * body parser, then `handler`.
 */
export interface LeanLane {
  /** Whether the lane answers this request: decided from its method and raw target, before anything is read. */
  takes(req: IncomingMessage): boolean;
  /** The last step: answers, or passes an error on (problem+json, as under Express). */
  handler: RequestHandler;
}

/** Runs handlers one after the other; an error (thrown, rejected or passed) or the end of the list goes to `next`. */
export function runInOrder(handlers: RequestHandler[]): RequestHandler {
  return function runSteps(req: Request, res: Response, next: NextFunction) {
    let i = 0;
    const step = (err?: unknown): void => {
      const handler = handlers[i++];
      if (err || !handler) {
        next(err);
        return;
      }
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch(next);
      } catch (e) {
        next(e);
      }
    };
    step();
  };
}

function header(this: IncomingMessage, name: string): string | string[] | undefined {
  const key = name.toLowerCase();
  return this.headers[key === 'referrer' ? 'referer' : key];
}

/**
 * The parts of Express's request and answer that the steps read, set as own
 * properties (no prototype swap): `originalUrl`, `path`, `baseUrl`,
 * `header()`/`get()`, and `res.locals`. A step that needs more of Express
 * (`req.query`, `req.ip`, `res.json`) does not belong in the lane.
 */
export function asExpress(req: IncomingMessage, res: ServerResponse): { req: Request; res: Response } {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  Object.assign(req, { originalUrl: url, path: q < 0 ? url : url.slice(0, q), baseUrl: '', header, get: header });
  Object.assign(res, { locals: {} });
  return { req: req as Request, res: res as unknown as Response };
}
