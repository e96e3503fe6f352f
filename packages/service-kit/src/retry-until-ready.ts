import { rootLogger } from './logger.ts';

export interface RetryLog {
  warn(obj: object, msg: string): void;
}

export interface RetryUntilReadyOptions<T> {
  /** What is being waited for, in the warning, e.g. "registry sync". */
  what: string;
  /** One try; it throws while the other side is not ready. Gets the attempt number, from 1. */
  attempt(n: number): Promise<T>;
  /** The pause after a failed try: fixed, or by attempt number (default 1000 ms). */
  intervalMs?: number | ((n: number) => number);
  /** Warn on the first failure and every this many after it (default 20); 0: never. */
  warnEvery?: number;
  /** Give up after this many tries, throwing the last failure (default: never give up). */
  maxAttempts?: number;
  /** Stops waiting (shutdown, a deadline): rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Where warnings go (default: the root logger). */
  log?: RetryLog;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Tries until the other side answers: a sidecar starting beside us, an app
 * that starts after us. Failures are expected while it starts, so only the
 * first and every `warnEvery`-th are logged.
 */
export async function retryUntilReady<T>(o: RetryUntilReadyOptions<T>): Promise<T> {
  const warnEvery = o.warnEvery ?? 20;
  const interval = o.intervalMs ?? 1000;
  for (let n = 1; ; n++) {
    if (o.signal?.aborted) throw o.signal.reason;
    try {
      return await o.attempt(n);
    } catch (err) {
      if (o.maxAttempts !== undefined && n >= o.maxAttempts) throw err;
      if (warnEvery > 0 && (n - 1) % warnEvery === 0)
        (o.log ?? rootLogger()).warn({ err: (err as Error).message, attempt: n }, `${o.what}: not ready yet; retrying`);
      await pause(typeof interval === 'function' ? interval(n) : interval, o.signal);
    }
  }
}
