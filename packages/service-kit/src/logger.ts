import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Bindings, type DestinationStream, type LogFn, type Logger, type LoggerOptions } from 'pino';
import { trace, context } from '@opentelemetry/api';
import { createPiiMasker, PII_MASK } from './pii.ts';

const masker = createPiiMasker();

/**
 * Censored by pino as well: a child logger given its own `formatters.log`
 * replaces the masking formatter, but cannot drop these. Fixed paths only:
 * a `*.token` wildcard costs 3-8 µs per line (measured), and the masker
 * already finds these names at any depth.
 */
const REDACT_PATHS = [
  'authorization',
  'password',
  'token',
  'cookie',
  'api_key',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.body.password',
  'body.password',
];

function maskLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  const masked = masker.mask(obj);
  return masked !== null && typeof masked === 'object' && !Array.isArray(masked)
    ? (masked as Record<string, unknown>)
    : { masked };
}

const maskArg = (a: unknown) =>
  typeof a === 'string' ? masker.maskText(a) : a !== null && typeof a === 'object' ? masker.mask(a) : a;

/** The message pino would take from an error when none is given (the log formatter never sees messages). */
function errorMessage(obj: unknown): string | undefined {
  if (obj instanceof Error) return obj.message;
  const o = obj as { msg?: unknown; err?: { message?: unknown } } | null;
  return o && typeof o === 'object' && o.msg === undefined && typeof o.err?.message === 'string'
    ? o.err.message
    : undefined;
}

/** The message and its interpolation arguments through the detectors; the object is left to `formatters.log`. */
function maskArgs(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (typeof first === 'string') return [masker.maskText(first), ...rest.map(maskArg)];
  const fallback = rest.length ? undefined : errorMessage(first);
  return fallback === undefined ? [first, ...rest.map(maskArg)] : [first, masker.maskText(fallback)];
}

/**
 * A pino logger whose lines are masked: the logged object (and mixin) by
 * name and value, the message by value, child bindings by name and value.
 */
function maskedPino(options: LoggerOptions, destination?: DestinationStream): Logger {
  const masking: LoggerOptions = {
    redact: { paths: REDACT_PATHS, censor: PII_MASK },
    formatters: { log: maskLogObject },
    hooks: {
      logMethod(args, method) {
        method.apply(this, maskArgs(args) as Parameters<LogFn>);
      },
    },
  };
  const logger = destination ? pino({ ...options, ...masking }, destination) : pino({ ...options, ...masking });
  // Children are created from their parent's prototype, so every descendant inherits this; pino formats no child bindings by itself.
  const child = logger.child;
  logger.child = function maskedChild(this: Logger, bindings: Bindings, childOptions?: unknown) {
    return child.call(this, maskLogObject(bindings), childOptions as never);
  } as Logger['child'];
  return logger;
}

let root: Logger = maskedPino({ level: 'info' });

/** The current request's logger, through its getter: made on first use (most requests at warn log nothing). */
const requestScope = new AsyncLocalStorage<() => Logger>();

/** Every line carries the active trace and span ids, so logs join traces; PII is masked (see pii.ts). */
export function createLogger(opts: { name: string; level: string; destination?: DestinationStream }): Logger {
  root = maskedPino(
    {
      name: opts.name,
      level: opts.level,
      mixin() {
        const span = trace.getSpan(context.active());
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    opts.destination,
  );
  return root;
}

export function rootLogger(): Logger {
  return root;
}

/** The logger bound to the current request, or the root logger outside one. */
export function requestLogger(): Logger {
  return requestScope.getStore()?.() ?? root;
}

/**
 * Runs `fn` with `get` as the getter of its request logger. `get` answers the
 * same logger every time; it may make it on its first call, so a request
 * that logs nothing never builds a child (its masked bindings cost CPU).
 */
export function runWithLogger<T>(get: () => Logger, fn: () => T): T {
  return requestScope.run(get, fn);
}
