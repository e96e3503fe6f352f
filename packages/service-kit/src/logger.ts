import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';
import { trace, context } from '@opentelemetry/api';

let root: Logger = pino({ level: 'info' });
const requestScope = new AsyncLocalStorage<Logger>();

/** Every line carries the active trace and span ids, so logs join traces. */
export function createLogger(opts: { name: string; level: string }): Logger {
  root = pino({
    name: opts.name,
    level: opts.level,
    mixin() {
      const span = trace.getSpan(context.active());
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  });
  return root;
}

export function rootLogger(): Logger {
  return root;
}

/** The logger bound to the current request, or the root logger outside one. */
export function requestLogger(): Logger {
  return requestScope.getStore() ?? root;
}

export function runWithLogger<T>(logger: Logger, fn: () => T): T {
  return requestScope.run(logger, fn);
}
