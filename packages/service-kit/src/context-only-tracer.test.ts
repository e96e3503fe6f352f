import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, createTraceState, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { contextOnlyTracerProvider } from './context-only-tracer.ts';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = contextOnlyTracerProvider().getTracer('test');
const parentOf = (flags: TraceFlags) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    traceFlags: flags,
    traceState: createTraceState('vendor=1'),
  });

describe('contextOnlyTracerProvider', () => {
  it("when a span has a parent, then it continues the parent's trace with its flags and state, under a span id of its own, and records nothing", () => {
    for (const flags of [TraceFlags.SAMPLED, TraceFlags.NONE]) {
      const span = tracer.startSpan('child', {}, parentOf(flags));
      const ctx = span.spanContext();
      expect(ctx.traceId).toBe('a'.repeat(32));
      expect(ctx.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(ctx.spanId).not.toBe('b'.repeat(16));
      expect(ctx.traceFlags).toBe(flags);
      expect(ctx.traceState?.get('vendor')).toBe('1');
      expect(span.isRecording()).toBe(false);
    }
  });

  it('when a span has no parent, or is asked to be a root, then it starts a sampled trace of its own, a new id each time', () => {
    const roots = [tracer.startSpan('a', {}, ROOT_CONTEXT), tracer.startSpan('b', { root: true }, parentOf(1))];
    const ids = new Set(roots.map((s) => s.spanContext().traceId));
    expect(ids.size).toBe(2);
    for (const span of roots) {
      expect(span.spanContext().traceId).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
      expect(span.spanContext().traceId).not.toBe('a'.repeat(32));
      expect(span.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    }
  });

  it('when a span is started active, then it is the active span inside the function, under the parent given, and the result comes back', async () => {
    const seen = await tracer.startActiveSpan('work', {}, parentOf(1), async (span) => {
      await Promise.resolve();
      return { active: trace.getActiveSpan(), span };
    });
    expect(seen.active).toBe(seen.span);
    expect(seen.span.spanContext().traceId).toBe('a'.repeat(32));
    expect(tracer.startActiveSpan('bare', (span) => span.spanContext().traceFlags)).toBe(TraceFlags.SAMPLED);
  });
});
