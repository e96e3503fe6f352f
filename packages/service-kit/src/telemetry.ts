import type { Request, RequestHandler, Response } from 'express';
import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { contextOnlyTracerProvider } from './context-only-tracer.ts';

export { SpanKind, type Context as TraceContext, type Span } from '@opentelemetry/api';

export interface Telemetry {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry tracing with W3C trace context. Spans are recorded and
 * exported over OTLP only when an endpoint is configured; trace ids are always
 * propagated, so a request keeps one trace id across the gateway, the sidecars
 * and the apps.
 */
export function startTelemetry(opts: { serviceName: string; otlpEndpoint?: string | undefined }): Telemetry {
  if (!opts.otlpEndpoint) {
    // Nowhere to send spans: keep trace context flowing, record nothing (context-only-tracer.ts).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(contextOnlyTracerProvider());
    return {
      tracer: trace.getTracer(opts.serviceName),
      shutdown: async () => undefined,
    };
  }
  const url = `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
  const provider = new NodeTracerProvider({
    // The SDK's defaults (telemetry.sdk.language=nodejs, ...) tell the app's spans from its sidecar's, which share the service name.
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': opts.serviceName })),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    tracer: trace.getTracer(opts.serviceName),
    shutdown: () => provider.shutdown(),
  };
}

export function currentTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  const id = span?.spanContext().traceId;
  return id && !/^0+$/.test(id) ? id : undefined;
}

/** Headers carrying the active trace context, for outgoing calls. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The route a request took, for span names and metric labels: bounded, with no ids from the path. */
export function routeOf(req: Request, res: Response): string {
  const named = res.locals.route;
  if (typeof named === 'string') return named;
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}

const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

/** Runs `fn` once the answer is complete ('finish') or the connection ended without one ('close'). */
export function whenDone(res: Response, fn: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    fn();
  };
  res.once('finish', once);
  res.once('close', once);
}

/** One server span per request (probes and scrapes aside), continuing the caller's trace when it sent one. */
export function traceRequests(tracer: Tracer): RequestHandler {
  return function traceRequest(req, res, next) {
    // Probes and scrapes every few seconds would bury the requests worth reading.
    if (UNTRACED.has(req.path)) return next();
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
    // 'close' alone when the client leaves first (a stream it stopped reading): the span ends either way, once.
    // A span that records nothing (no exporter: context-only-tracer.ts) has nothing to name or end.
    if (span.isRecording())
      whenDone(res, () => {
        // Named once the route is known: its pattern (or the gateway's route id), never the raw path with its ids.
        const route = routeOf(req, res);
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** The tracer for spans inside an app (its provider is the one startTelemetry registered, else a no-op). */
const appTracer = () => trace.getTracer('meridian');

export interface SpanOptions {
  attributes?: Attributes;
  /** Other traces this work serves (a batch made of several requests or messages). */
  links?: Link[];
  /** The parent, when it is not the active context (work queued by one request and run later). */
  parent?: Context;
  kind?: SpanKind;
}

/** A span started now and ended by the caller, child of `parent` or of the active span. */
export function startSpan(name: string, o: SpanOptions = {}): Span {
  const { parent, ...options } = o;
  return appTracer().startSpan(name, options, parent ?? context.active());
}

/** Runs `fn` in a child span that ends when it settles; a failure marks the span as an error. */
export function inSpan<T>(name: string, fn: () => Promise<T>, o: SpanOptions = {}): Promise<T> {
  const span = startSpan(name, o);
  return context.with(trace.setSpan(o.parent ?? context.active(), span), async () => {
    try {
      return await fn();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The context a W3C `traceparent` (and `tracestate`) names, e.g. from a CloudEvent's extension attributes. */
export function contextFromTraceparent(carrier: { traceparent?: unknown; tracestate?: unknown }): Context | undefined {
  if (typeof carrier.traceparent !== 'string') return undefined;
  const headers: Record<string, string> = { traceparent: carrier.traceparent };
  if (typeof carrier.tracestate === 'string') headers.tracestate = carrier.tracestate;
  const extracted = propagation.extract(context.active(), headers);
  return trace.getSpanContext(extracted) ? extracted : undefined;
}

/** The active trace context, kept by work that runs later on a request's behalf (a queue). */
export const activeTraceContext = (): Context => context.active();

/** Runs `fn` in a trace context kept earlier (by a callback that fires outside it). */
export const inTraceContext = <T>(traced: Context, fn: () => T): T => context.with(traced, fn);

/** Links to the spans of these contexts (those that have one). */
export const linksTo = (contexts: Context[]): Link[] =>
  contexts.flatMap((c) => {
    const linked = trace.getSpanContext(c);
    return linked ? [{ context: linked }] : [];
  });

/** Ends a span, as an error when a reason is given. */
export function endSpan(span: Span, error?: string): void {
  if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  span.end();
}
