import type { Request, RequestHandler, Response } from 'express';
import { AppError, type DaprClient, type SidecarResponse } from '@meridian/service-kit';

const RELAYED_HEADERS = ['content-type', 'retry-after', 'location', 'x-artifact-sha256', 'content-disposition'];

/** Sends the upstream's answer back as it is: status, relevant headers, body. */
function relay(upstream: SidecarResponse, res: Response): void {
  for (const h of RELAYED_HEADERS) {
    const v = upstream.headers[h];
    if (v) res.setHeader(h, v);
  }
  res.status(upstream.status).send(upstream.body);
}

/**
 * Forwards a request to an app through Dapr service invocation (mTLS between
 * the sidecars). When Dapr cannot reach the app, the caller gets a 503
 * problem rather than Dapr's internal error.
 */
export function forwardTo(opts: { dapr: DaprClient; appId: string; validate?: (req: Request) => void }): RequestHandler {
  return async function forward(req, res, next) {
    try {
      opts.validate?.(req);
      const upstream = await opts.dapr.invoke({
        appId: opts.appId,
        method: req.originalUrl.replace(/^\//, ''),
        httpMethod: req.method,
        // Who asked, for audit trails downstream (set only from a verified token).
        headers: { 'x-meridian-subject': typeof res.locals.subject === 'string' ? res.locals.subject : 'anonymous' },
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: req.body ?? {} }),
      });
      // Dapr's own failures (app unreachable) carry an errorCode; the app's problems do not.
      if (upstream.status >= 500 && upstream.headers['content-type']?.includes('application/json') && upstream.text().includes('"errorCode"')) {
        throw new AppError({ code: 'UNAVAILABLE', message: `${opts.appId} is unavailable`, headers: { 'retry-after': '1' } });
      }
      relay(upstream, res);
    } catch (err) {
      next(err);
    }
  };
}
