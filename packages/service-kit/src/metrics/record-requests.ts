import type { RequestHandler } from 'express';
import { Histogram } from 'prom-client';
import { currentTraceId, routeOf } from '../telemetry.ts';
import { observeWithTrace } from './observe-with-trace.ts';
import { family, type MetricsRegistry } from './registry.ts';

/** Probes and scrapes would drown the requests that matter (and a scrape would time itself). */
const UNWATCHED = new Set(['/healthz', '/readyz', '/metrics']);

/** A server-side duration histogram (seconds) with the request buckets and trace-id exemplars every server metric shares. */
export function serverDuration<L extends string>(
  registry: MetricsRegistry,
  o: { name: string; help: string; labelNames: readonly L[] },
): Histogram<L> {
  return family(
    registry,
    o.name,
    (registers) =>
      new Histogram({
        name: o.name,
        help: o.help,
        labelNames: o.labelNames,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        enableExemplars: true,
        registers,
      }),
  );
}

export const httpDuration = (registry: MetricsRegistry): Histogram<'method' | 'route' | 'status_code'> =>
  serverDuration(registry, {
    name: 'http_server_request_duration_seconds',
    help: 'HTTP requests served by the app, by route pattern and status (the _count is the request rate)',
    labelNames: ['method', 'route', 'status_code'] as const,
  });

/**
 * Times every request into `http_server_request_duration_seconds`, with the
 * trace id of the request's server span as the exemplar. The route label is
 * the route's pattern or name (routeOf), never the raw path with its ids:
 * 404s and requests refused before routing (app token, shedding, body limit)
 * are `unmatched`. Mount it after the tracing middleware (the span must be
 * active) and before anything that may answer on its own, so refusals count.
 */
export function recordRequests(o: { registry: MetricsRegistry }): RequestHandler {
  const duration = httpDuration(o.registry);
  return function recordRequest(req, res, next) {
    if (UNWATCHED.has(req.path)) return next();
    const start = performance.now();
    const traceId = currentTraceId();
    res.once('finish', () => {
      observeWithTrace(duration, {
        labels: { method: req.method, route: routeOf(req, res), status_code: res.statusCode },
        value: (performance.now() - start) / 1000,
        traceId,
      });
    });
    next();
  };
}
