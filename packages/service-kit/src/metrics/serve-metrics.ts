import type { RequestHandler } from 'express';
import type { MetricsRegistry } from './registry.ts';

/** GET /metrics: the app's registry in OpenMetrics text (exemplars included). Guard it with the app token. */
export function serveMetrics(o: { registry: MetricsRegistry }): RequestHandler {
  return async function metrics(_req, res) {
    const body = await o.registry.metrics();
    res.set({ 'content-type': o.registry.contentType, 'cache-control': 'no-store' }).send(body);
  };
}
