import type { Alert, RunStatus } from '@meridian/contracts';
import { SseParser } from './sse.ts';

/** Counts of predictions logged, as the gateway's `predictions` event carries them. */
export interface PredictionCountsEvent {
  total: number;
  per_model: Record<string, number>;
}

export type LiveEvent =
  | { type: 'alert'; data: Alert }
  | { type: 'predictions'; data: PredictionCountsEvent }
  | { type: 'run'; data: RunStatus };

export type StreamStatus = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'forbidden' | 'closed';

export interface EventStreamOptions {
  token: string;
  onEvent: (event: LiveEvent) => void;
  onStatus?: (status: StreamStatus) => void;
  url?: string;
  fetch?: typeof fetch;
  /** Delay before reconnecting: doubles from `initialMs` up to `maxMs`, reset once a stream opens. */
  backoff?: { initialMs: number; maxMs: number };
  /** No byte (the heartbeat comes every 15 s) for this long: the connection is dead, reconnect. */
  idleMs?: number;
  /** How delays are scheduled; tests pass one they drive themselves. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

const KNOWN = new Set(['alert', 'predictions', 'run']);

const timer = (fn: () => void, ms: number) => {
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
};

/**
 * The gateway's live events (`GET /v1/events`). Read with fetch, not EventSource, because
 * EventSource cannot send the Authorization header. Reconnects with backoff until closed,
 * except after 401 (the token is no longer accepted) or 403 (the account may not listen).
 */
export function connectEvents(options: EventStreamOptions): { close(): void } {
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
  const schedule = options.schedule ?? timer;
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const idleMs = options.idleMs ?? 45_000;
  let closed = false;
  let delay = initialMs;
  let controller: AbortController | undefined;
  let cancelPending: (() => void) | undefined;
  const status = (s: StreamStatus) => options.onStatus?.(s);

  const retry = () => {
    if (closed) return;
    status('reconnecting');
    cancelPending = schedule(() => void run(), delay);
    delay = Math.min(delay * 2, maxMs);
  };

  const dispatch = (event: string, data: string) => {
    if (!KNOWN.has(event)) return;
    try {
      options.onEvent({ type: event, data: JSON.parse(data) } as LiveEvent);
    } catch {
      // A malformed event is dropped; the next one may be fine.
    }
  };

  async function run(): Promise<void> {
    controller = new AbortController();
    const { signal } = controller;
    status('connecting');
    let cancelIdle = () => {};
    const armIdle = () => {
      cancelIdle();
      cancelIdle = schedule(() => controller?.abort(), idleMs);
    };
    try {
      const res = await doFetch(options.url ?? '/v1/events', {
        headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' },
        cache: 'no-store',
        signal,
      });
      if (res.status === 401 || res.status === 403) {
        closed = true;
        status(res.status === 401 ? 'unauthorized' : 'forbidden');
        return;
      }
      if (!res.ok || !res.body) throw new Error(`events answered ${res.status}`);
      status('open');
      delay = initialMs;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      armIdle();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armIdle();
        for (const m of parser.push(decoder.decode(value, { stream: true }))) dispatch(m.event, m.data);
      }
    } catch {
      // Dropped, refused or idle: all end in a reconnect below.
    } finally {
      cancelIdle();
    }
    retry();
  }

  void run();
  return {
    close() {
      closed = true;
      cancelPending?.();
      controller?.abort();
      status('closed');
    },
  };
}
