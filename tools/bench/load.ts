import { Agent, request } from 'node:http';

export interface LoadResult {
  p50_ms: number;
  p99_ms: number;
  rps: number;
  errors: number;
}

export interface Target {
  url: string;
  headers: Record<string, string>;
  /** JSON text, or bytes (a binary tensor body). */
  body: string | Buffer;
}

/** A request that had no complete answer within its time budget. */
export class RequestTimeout extends Error {}

/**
 * One POST on a keep-alive agent; resolves with the status once the body is
 * read. With `timeoutMs`, a request not answered in time is destroyed and
 * rejects with RequestTimeout; `onFailure` receives the body of 4xx and 5xx answers.
 */
export function post(
  agent: Agent,
  t: Target,
  opts: { timeoutMs?: number; onFailure?: (status: number, body: string) => void } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      clearTimeout(timer);
      fn();
    };
    const fail = (err: Error) => settle(() => reject(err));
    const req = request(
      t.url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(t.body), ...t.headers },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        if (status >= 400 && opts.onFailure) res.on('data', (c: Buffer) => chunks.push(c));
        else res.resume();
        res.on('end', () =>
          settle(() => {
            if (chunks.length) opts.onFailure?.(status, Buffer.concat(chunks).toString('utf8'));
            resolve(status);
          }),
        );
        // A body cut short (the timeout below, a reset) ends in 'error' or 'close' without 'end'.
        res.on('error', fail);
        res.on('close', () => res.complete || fail(new Error('answer cut short')));
      },
    );
    if (opts.timeoutMs !== undefined)
      timer = setTimeout(() => req.destroy(new RequestTimeout(`no answer in ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', fail);
    req.end(t.body);
  });
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Closed-loop load: `concurrency` workers each send the next request as soon
 * as the previous answers, for `seconds` after a warm-up. Keep-alive
 * connections, one per worker, as a real client pool would hold.
 */
export async function measure(opts: {
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  call: () => Promise<boolean>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let recording = false;
  const end = Date.now() + (opts.warmupSeconds + opts.seconds) * 1000;
  const startAt = Date.now() + opts.warmupSeconds * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      const ok = await opts.call().catch(() => false);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!recording && Date.now() >= startAt) recording = true;
      if (!recording) continue;
      if (ok) latencies.push(ms);
      else errors += 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    rps: Math.round(latencies.length / opts.seconds),
    errors,
  };
}

export function httpCaller(t: Target, concurrency: number): () => Promise<boolean> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  return async () => (await post(agent, t)) === 200;
}
