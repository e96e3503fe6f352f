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
  body: string;
}

function post(agent: Agent, t: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(t.url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(t.body), ...t.headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
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
export async function measure(opts: { concurrency: number; seconds: number; warmupSeconds: number; call: () => Promise<boolean> }): Promise<LoadResult> {
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
  return { p50_ms: round(percentile(latencies, 50)), p99_ms: round(percentile(latencies, 99)), rps: Math.round(latencies.length / opts.seconds), errors };
}

export function httpCaller(t: Target, concurrency: number): () => Promise<boolean> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  return async () => (await post(agent, t)) === 200;
}
