import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contextFromTraceparent, inSpan, startSpan, traceHeaders, traceRequests } from './telemetry.ts';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register({ propagator: new W3CTraceContextPropagator() });
const tracer = provider.getTracer('test');
const spans = () => exporter.getFinishedSpans();

const traceId = 'a'.repeat(32);
const parentId = 'b'.repeat(16);
const traceparent = `00-${traceId}-${parentId}-01`;

describe('traceRequests', () => {
  let url = '';
  let close: () => void = () => undefined;
  beforeAll(async () => {
    const app = express();
    app.use(traceRequests(tracer));
    app.get('/v2/models/:name', (_req, res) => void res.json(traceHeaders()));
    app.get('/metrics', (_req, res) => void res.send('# EOF'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());
  beforeEach(() => exporter.reset());

  it("when a request carries a traceparent, then its span continues that trace, named by the route's pattern, and outgoing calls carry it on", async () => {
    const res = await fetch(`${url}/v2/models/spam?x=1`, { headers: { traceparent } });
    const outgoing = (await res.json()) as { traceparent?: string };
    const [span] = spans();
    expect(span?.name).toBe('GET /v2/models/:name');
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe(parentId);
    expect(span?.attributes['http.route']).toBe('/v2/models/:name');
    expect(outgoing.traceparent).toBe(`00-${traceId}-${span?.spanContext().spanId}-01`);
  });

  it('when Prometheus scrapes /metrics, then no span is made', async () => {
    await fetch(`${url}/metrics`);
    expect(spans()).toEqual([]);
  });
});

describe('spans inside an app', () => {
  beforeEach(() => exporter.reset());

  it('when work fails inside inSpan, then its span is an error, a child of the active one, and the failure reaches the caller', async () => {
    const outer = startSpan('outer');
    const parent = contextFromTraceparent({ traceparent: `00-${traceId}-${outer.spanContext().spanId}-01` })!;
    await expect(inSpan('step', () => Promise.reject(new Error('boom')), { parent })).rejects.toThrow('boom');
    outer.end();
    const step = spans().find((s) => s.name === 'step')!;
    expect(step.status.code).toBe(2);
    expect(step.status.message).toBe('boom');
    expect(step.spanContext().traceId).toBe(traceId);
    expect(step.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });

  it('when work succeeds inside inSpan, then it runs in the span, gets its value back, and the span ends unmarked', async () => {
    let inside: string | undefined;
    const value = await inSpan('ok-step', async () => {
      inside = trace.getActiveSpan()?.spanContext().spanId;
      return 42;
    });
    expect(value).toBe(42);
    const step = spans().find((s) => s.name === 'ok-step')!;
    expect(step.spanContext().spanId).toBe(inside);
    expect(step.status.code).toBe(0);
    expect(step.ended).toBe(true);
  });

  it('when work throws before it returns a promise, then inSpan rejects (it does not throw) and the span is an error', async () => {
    const work = () => {
      throw new Error('at once');
    };
    const settled = inSpan('sync-step', work);
    expect(settled).toBeInstanceOf(Promise);
    await expect(settled).rejects.toThrow('at once');
    const step = spans().find((s) => s.name === 'sync-step')!;
    expect(step.status).toEqual({ code: 2, message: 'at once' });
    expect(step.ended).toBe(true);
  });

  it('when a CloudEvent carries no valid traceparent, then there is no context to continue', () => {
    expect(contextFromTraceparent({})).toBeUndefined();
    expect(contextFromTraceparent({ traceparent: 'not-a-traceparent' })).toBeUndefined();
  });
});
