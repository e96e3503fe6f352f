import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError, parseOrThrow, runInOrder } from '@meridian/service-kit';
import {
  canonicalTarget,
  compilePattern,
  matchParts,
  pathParts,
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

/** Validates the body against the route's schema (after authentication: strangers learn no schema). */
export function validateBody(route: EdgeRoute): RequestHandler {
  return function validateEdgeBody(req, _res, next) {
    if (route.body) parseOrThrow(route.body, req.body, `${route.id} request`);
    next();
  };
}

/** The path sent to the app: the route's own spelling with the validated parameters, and the validated query. */
function targetPath(route: EdgeRoute, params: Record<string, string>, query: URLSearchParams): string {
  const path = route.path.replace(/\{([a-z]+)\+?\}/g, (_m, name: string) =>
    params[name]!.split('/').map(encodeURIComponent).join('/'),
  );
  const qs = query.toString();
  return `${path.slice(1)}${qs ? `?${qs}` : ''}`;
}

/** A public route (static files) answers HEAD as well as GET; every other route only its own method. */
const methodsOf = (route: EdgeRoute): string[] =>
  route.public && route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
const answers = (route: EdgeRoute, method: string) => methodsOf(route).includes(method);

/** The paths the table spells with a trailing slash: the only ones canonicalTarget lets keep it. */
const slashPathsOf = (routes: EdgeRoute[]): ReadonlySet<string> =>
  new Set(routes.filter((r) => r.path.length > 1 && r.path.endsWith('/')).map((r) => r.path));

/**
 * The routes a path may match, in table order: those whose first segment is
 * the path's (compared in lower case, so a case variant is still found and
 * refused) and those that start with a parameter. One map lookup instead of
 * matching every route of the table (the profile under load showed matching
 * at about 9 % of the gateway's CPU).
 */
function routeIndex(routes: CompiledRoute[]): (parts: string[]) => CompiledRoute[] {
  const byFirst = new Map<string, CompiledRoute[]>();
  const open: CompiledRoute[] = [];
  for (const compiled of routes) {
    const { pattern } = compiled;
    const literalFirst = pattern.params[0] === undefined && !(pattern.tail && pattern.segments.length === 1);
    if (!literalFirst) open.push(compiled);
    else byFirst.set(pattern.lower[0] ?? '', [...(byFirst.get(pattern.lower[0] ?? '') ?? []), compiled]);
  }
  const order = new Map(routes.map((r, i) => [r, i]));
  return (parts) => {
    const hit = byFirst.get((parts[0] ?? '').toLowerCase()) ?? [];
    if (!open.length) return hit;
    return [...hit, ...open].sort((a, b) => order.get(a)! - order.get(b)!);
  };
}

function find(
  candidates: (parts: string[]) => CompiledRoute[],
  method: string,
  path: string,
): { compiled: CompiledRoute; params: Record<string, string> } {
  const exact: { compiled: CompiledRoute; params: Record<string, string>; literals: number }[] = [];
  let caseVariant = false;
  const parts = pathParts(path);
  for (const compiled of candidates(parts)) {
    const m = matchParts(compiled.pattern, parts);
    if (m.kind === 'exact') exact.push({ compiled, params: m.params, literals: m.literals });
    else if (m.kind === 'case-variant') caseVariant = true;
  }
  if (!exact.length) {
    if (caseVariant)
      throw new AppError({ code: 'BAD_REQUEST', message: 'non-canonical path: routes are spelled in lower case' });
    throw new AppError({ code: 'NOT_FOUND', message: `no route for ${method} ${path.slice(0, 200)}` });
  }
  const forMethod = exact.filter((e) => answers(e.compiled.route, method)).sort((a, b) => b.literals - a.literals);
  const hit = forMethod[0];
  if (!hit) {
    const allow = [...new Set(exact.flatMap((e) => methodsOf(e.compiled.route)))].join(', ');
    throw new AppError({
      code: 'METHOD_NOT_ALLOWED',
      message: `${method} is not allowed here (allowed: ${allow})`,
      headers: { allow },
    });
  }
  return hit;
}

/** How a raw request target matched the table: the route and its parts, or why it matches none. */
type Match =
  | { compiled: CompiledRoute; params: Record<string, string>; path: string; query: string }
  | { refused: unknown };

export interface EdgeRouter {
  /** The gateway's only way in: a request runs its route's chain, or is refused before any of it. */
  handler: RequestHandler;
  /** The route a raw request would take, without refusing anything: for steps that run before the router (shedding, the lane). */
  routeOf(req: IncomingMessage): EdgeRoute | undefined;
}

/**
 * The gateway's only way in: a request runs its route's chain, or is refused
 * before any of it (400 non-canonical, 404 unknown, 405 wrong method, 400
 * bad path parameter or query). The raw target is matched once per request,
 * whoever asks first (shedding and the lane run before the handler).
 */
export function edgeRouter(o: { routes: EdgeRoute[]; chain: RouteChain }): EdgeRouter {
  const routes = routeIndex(
    o.routes.map(
      (route): CompiledRoute => ({ route, pattern: compilePattern(route.path), run: runInOrder(o.chain(route)) }),
    ),
  );
  const slashPaths = slashPathsOf(o.routes);
  const matches = new WeakMap<IncomingMessage, Match>();
  // req.url is the raw target (the gateway mounts nothing, so under Express it equals req.originalUrl). It is only
  // matched, never forwarded: canonicalTarget refuses a target with a '%', a backslash, or a dot or empty segment, and what
  // goes to the app is the path targetPath rebuilds from the route and its validated, encoded parameters.
  const matchOf = (req: IncomingMessage): Match => {
    const known = matches.get(req);
    if (known) return known;
    let match: Match;
    try {
      const { path, query } = canonicalTarget(req.url ?? '', { slashPaths });
      match = { ...find(routes, req.method ?? '', path), path, query };
    } catch (refused) {
      match = { refused };
    }
    matches.set(req, match);
    return match;
  };
  return {
    routeOf: (req) => {
      const match = matchOf(req);
      return 'refused' in match ? undefined : match.compiled.route;
    },
    handler: function edge(req, res, next) {
      try {
        const match = matchOf(req);
        if ('refused' in match) throw match.refused;
        const { compiled, params, path, query } = match;
        validateParams(params, PARAMS);
        // A public route forwards nothing: the query of a console page is the page's own (its app reads it), unused here.
        const kept = compiled.route.public ? new URLSearchParams() : validateQuery(query, compiled.route.query ?? {});
        res.locals.target = targetPath(compiled.route, params, kept);
        res.locals.params = params;
        res.locals.route = compiled.route.id;
        res.locals.path = path;
        compiled.run(req, res, next);
      } catch (err) {
        next(err);
      }
    },
  };
}
