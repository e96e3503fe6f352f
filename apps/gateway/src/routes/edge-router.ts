import type { Request, RequestHandler, Response, NextFunction } from 'express';
import { AppError, parseOrThrow } from '@meridian/service-kit';
import {
  canonicalTarget,
  compilePattern,
  matchPath,
  validateParams,
  validateQuery,
  type PathPattern,
} from '../domain/edge-path.ts';
import { PARAMS, type EdgeRoute } from './route-table.ts';

/** The handlers a matched request runs through, in order (auth, limits, validation, audit, forward). */
export type RouteChain = (route: EdgeRoute) => RequestHandler[];

interface CompiledRoute {
  route: EdgeRoute;
  pattern: PathPattern;
  run: RequestHandler;
}

/** Runs handlers one after the other; an error (thrown, rejected or passed) goes to Express's error handler. */
function sequence(handlers: RequestHandler[]): RequestHandler {
  return function runRoute(req: Request, res: Response, next: NextFunction) {
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

/** Validates the body against the route's schema (after authentication: strangers learn no schema). */
export function validateBody(route: EdgeRoute): RequestHandler {
  return function validateEdgeBody(req, _res, next) {
    if (route.body) parseOrThrow(route.body, req.body, `${route.id} request`);
    next();
  };
}

/** The path sent to the app: the route's own spelling with the validated parameters, and the validated query. */
function targetPath(route: EdgeRoute, params: Record<string, string>, query: URLSearchParams): string {
  const path = route.path.replace(/\{([a-z]+)\}/g, (_m, name: string) => encodeURIComponent(params[name]!));
  const qs = query.toString();
  return `${path.slice(1)}${qs ? `?${qs}` : ''}`;
}

function find(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { compiled: CompiledRoute; params: Record<string, string> } {
  const exact: { compiled: CompiledRoute; params: Record<string, string>; literals: number }[] = [];
  let caseVariant = false;
  for (const compiled of routes) {
    const m = matchPath(compiled.pattern, path);
    if (m.kind === 'exact') exact.push({ compiled, params: m.params, literals: m.literals });
    else if (m.kind === 'case-variant') caseVariant = true;
  }
  if (!exact.length) {
    if (caseVariant)
      throw new AppError({ code: 'BAD_REQUEST', message: 'non-canonical path: routes are spelled in lower case' });
    throw new AppError({ code: 'NOT_FOUND', message: `no route for ${method} ${path.slice(0, 200)}` });
  }
  const forMethod = exact.filter((e) => e.compiled.route.method === method).sort((a, b) => b.literals - a.literals);
  const hit = forMethod[0];
  if (!hit) {
    const allow = [...new Set(exact.map((e) => e.compiled.route.method))].join(', ');
    throw new AppError({
      code: 'METHOD_NOT_ALLOWED',
      message: `${method} is not allowed here (allowed: ${allow})`,
      headers: { allow },
    });
  }
  return hit;
}

/** The route a raw request would take, without refusing anything: for steps that run before the router (shedding). */
export function routeOf(routes: EdgeRoute[]): (method: string, rawUrl: string) => EdgeRoute | undefined {
  const compiled = routes.map(
    (route): CompiledRoute => ({ route, pattern: compilePattern(route.path), run: () => undefined }),
  );
  return (method, rawUrl) => {
    try {
      return find(compiled, method, canonicalTarget(rawUrl).path).compiled.route;
    } catch {
      return undefined;
    }
  };
}

/**
 * The gateway's only way in: a request runs its route's chain, or is refused
 * before any of it (400 non-canonical, 404 unknown, 405 wrong method, 400
 * bad path parameter or query).
 */
export function edgeRouter(o: { routes: EdgeRoute[]; chain: RouteChain }): RequestHandler {
  const routes = o.routes.map(
    (route): CompiledRoute => ({ route, pattern: compilePattern(route.path), run: sequence(o.chain(route)) }),
  );
  return function edge(req, res, next) {
    try {
      const { path, query } = canonicalTarget(req.originalUrl);
      const { compiled, params } = find(routes, req.method, path);
      validateParams(params, PARAMS);
      res.locals.target = targetPath(compiled.route, params, validateQuery(query, compiled.route.query ?? {}));
      res.locals.route = compiled.route.id;
      res.locals.path = path;
      compiled.run(req, res, next);
    } catch (err) {
      next(err);
    }
  };
}
