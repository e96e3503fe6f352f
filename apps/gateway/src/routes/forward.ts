import type { Request, RequestHandler, Response } from 'express';
import { AppError, type DaprClient } from '@meridian/service-kit';

const RELAYED_HEADERS = ['content-type', 'retry-after', 'location'];

/** Sends the upstream's answer back as it is: status, relevant headers, body. */
async function relay(upstream: globalThis.Response, res: Response): Promise<void> {
  for (const h of RELAYED_HEADERS) {
    const v = upstream.headers.get(h);
    if (v) res.setHeader(h, v);
  }
  res.status(upstream.status).send(Buffer.from(await upstream.arrayBuffer()));
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
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: req.body ?? {} }),
      });
      if (upstream.status >= 500 && upstream.headers.get('content-type')?.includes('application/json')) {
        const text = await upstream.clone().text();
        if (text.includes('"errorCode"')) {
          throw new AppError({ code: 'UNAVAILABLE', message: `${opts.appId} is unavailable`, headers: { 'retry-after': '1' } });
        }
      }
      await relay(upstream, res);
    } catch (err) {
      next(err);
    }
  };
}
