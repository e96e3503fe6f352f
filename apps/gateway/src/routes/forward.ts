import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import {
  AppError,
  activeTraceContext,
  requestLogger,
  type DaprClient,
  type SidecarResponse,
} from '@meridian/service-kit';
import { ROLES_HEADER, SUBJECT_HEADER } from '@meridian/contracts';
import { batchableJson, fromDapr, type InferBatching } from './infer-batching.ts';

const RELAYED_HEADERS = [
  'content-type',
  'cache-control',
  'retry-after',
  'location',
  'x-artifact-sha256',
  'content-disposition',
  // Where the JSON ends in an infer answer with binary outputs (OIP's binary tensor extension).
  'inference-header-content-length',
];

/** The upstream's answer as it is: status, the headers a client needs, body (node:http's calls: it runs in the lean lane too). */
function relay(upstream: SidecarResponse, res: ServerResponse): void {
  for (const h of RELAYED_HEADERS) {
    const v = upstream.headers[h];
    if (v) res.setHeader(h, v);
  }
  res.statusCode = upstream.status;
  if (upstream.status === 204 || upstream.status === 304) {
    res.end();
    return;
  }
  if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/octet-stream');
  res.setHeader('content-length', upstream.body.length);
  res.end(upstream.body);
}

/**
 * A failure the caller may see: its status class and a generic sentence.
 * The upstream's own text (store errors, sidecar messages, stack hints) is
 * logged with the trace id, never relayed.
 */
function upstreamFailure(appId: string, upstream: SidecarResponse): AppError {
  const retryAfter =
    typeof upstream.headers['retry-after'] === 'string'
      ? { 'retry-after': upstream.headers['retry-after'] }
      : undefined;
  if (upstream.status === 503 || (fromDapr(upstream) && upstream.status >= 500)) {
    return new AppError({
      code: 'UNAVAILABLE',
      message: `${appId} is unavailable; retry later`,
      headers: retryAfter ?? { 'retry-after': '1' },
    });
  }
  if (upstream.status === 504)
    return new AppError({ code: 'DEADLINE_EXCEEDED', message: `${appId} did not answer in time` });
  if (upstream.status === 500)
    return new AppError({
      code: 'INTERNAL',
      message: `${appId} failed on this request (the trace id finds it in the logs)`,
    });
  return new AppError({ code: 'BAD_GATEWAY', message: `${appId} could not complete the request` });
}

/**
 * Forwards to an app through Dapr service invocation (mTLS between the
 * sidecars), on the path the route table rebuilt (`res.locals.target`), with
 * the verified subject for audit trails downstream. 4xx answers are relayed;
 * 5xx and Dapr's own errors become a generic problem.
 */
export function forwardTo(opts: {
  dapr: DaprClient;
  appId: string;
  /** Infer requests go through it: together with others when the app is busy (infer-batching.ts). */
  batching?: InferBatching;
}): RequestHandler {
  return async function forward(req, res, next) {
    try {
      const target = res.locals.target as string;
      const headers = {
        [SUBJECT_HEADER]: String(res.locals.subject),
        [ROLES_HEADER]: ((res.locals.roles as string[] | undefined) ?? []).join(','),
        // An agent can stream its answer as server-sent events.
        ...(req.header('accept') === 'text/event-stream' ? { accept: 'text/event-stream' } : {}),
      };
      const params = res.locals.params as { model?: string; version?: string };
      const sent = opts.batching && params.model !== undefined ? batchableJson(req) : undefined;
      const upstream =
        opts.batching && sent !== undefined
          ? await opts.batching.call({
              target,
              model: params.model!,
              ...(params.version === undefined ? {} : { version: params.version }),
              ...sent,
              headers,
              traced: activeTraceContext(),
              // The connection (a pipelined request has no response socket yet, but its request's is set).
              gone: () => req.socket.destroyed,
            })
          : await opts.dapr.invoke({
              appId: opts.appId,
              method: target,
              httpMethod: req.method,
              headers,
              ...(req.method === 'GET' || req.method === 'DELETE' ? {} : { body: req.body ?? {} }),
            });
      if (upstream.status >= 500 || (fromDapr(upstream) && upstream.status >= 400)) {
        requestLogger().warn(
          { app: opts.appId, status: upstream.status, upstream: upstream.text().slice(0, 500) },
          'upstream failed',
        );
        throw upstreamFailure(opts.appId, upstream);
      }
      relay(upstream, res);
    } catch (err) {
      next(err);
    }
  };
}
