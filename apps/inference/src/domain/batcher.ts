import type { BatchingPolicy } from '@meridian/contracts';
import {
  activeTraceContext,
  AppError,
  endSpan,
  inSpan,
  linksTo,
  startSpan,
  type Span,
  type TraceContext,
} from '@meridian/service-kit';
import type { TensorMap } from './ports.ts';
import { concatBatch, sliceBatch } from './tensors.ts';

interface Pending {
  inputs: TensorMap;
  rows: number;
  deadlineAt: number;
  /** The request's trace context, and its time in the queue as a span. */
  trace: TraceContext;
  queued: Span;
  resolve(outputs: TensorMap): void;
  reject(err: unknown): void;
}

/** Batches run side by side: one computes while the next one gathers. */
const MAX_CONCURRENT_BATCHES = 2;

export const deadlineExceeded = () =>
  new AppError({ code: 'DEADLINE_EXCEEDED', message: 'the request missed its deadline' });

/**
 * Dynamic batching for one model version. With nothing queued a request
 * runs at once (no added latency); under load, requests that queue while
 * batches are running are joined into the next batch, up to max_batch_size
 * rows, waiting at most max_queue_delay_ms for company. Queued plus running
 * rows are bounded: past max_queue_size callers get 429 with Retry-After.
 * With batching disabled every request runs on its own, still bounded.
 */
export class Batcher {
  private readonly queue: Pending[] = [];
  private queuedRows = 0;
  private runningRows = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: {
      run: (inputs: TensorMap) => Promise<TensorMap>;
      policy: () => BatchingPolicy;
      onBatch?: (rows: number) => void;
    },
  ) {}

  /** Rows waiting plus rows being computed. */
  get depth(): number {
    return this.queuedRows + this.runningRows;
  }

  submit(inputs: TensorMap, rows: number, deadlineAt: number): Promise<TensorMap> {
    const policy = this.opts.policy();
    if (this.depth + rows > policy.max_queue_size && this.depth > 0) {
      return Promise.reject(
        new AppError({
          code: 'TOO_MANY_REQUESTS',
          message: `model queue is full (${this.depth} rows waiting or running)`,
          headers: { 'retry-after': '1' },
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const queued = startSpan('inference.queue', { attributes: { 'meridian.rows': rows } });
      this.queue.push({ inputs, rows, deadlineAt, trace: activeTraceContext(), queued, resolve, reject });
      this.queuedRows += rows;
      this.schedule(policy);
    });
  }

  private schedule(policy: BatchingPolicy): void {
    if (!policy.enabled) {
      while (this.queue.length) void this.execute([this.queue.shift()!]);
      return;
    }
    if (this.running >= MAX_CONCURRENT_BATCHES || this.timer || !this.queue.length) return;
    if (this.queuedRows >= policy.max_batch_size || policy.max_queue_delay_ms === 0) {
      this.flush(policy);
      return;
    }
    this.timer = setTimeout(() => this.flush(this.opts.policy()), policy.max_queue_delay_ms);
  }

  private flush(policy: BatchingPolicy): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch: Pending[] = [];
    let rows = 0;
    while (this.queue.length && (batch.length === 0 || rows + this.queue[0]!.rows <= policy.max_batch_size)) {
      const next = this.queue.shift()!;
      batch.push(next);
      rows += next.rows;
    }
    if (batch.length) void this.execute(batch);
  }

  /**
   * The batch's span belongs to the first request's trace and links the others: one computation
   * serves them all, and each of their traces leads to it; the runtime call is its child.
   */
  private runTraced(live: Pending[], rows: number, inputs: TensorMap): Promise<TensorMap> {
    const [first, ...others] = live as [Pending, ...Pending[]];
    return inSpan('inference.batch', () => inSpan('inference.runtime', () => this.opts.run(inputs)), {
      parent: first.trace,
      links: linksTo(others.map((p) => p.trace)),
      attributes: { 'meridian.batch.rows': rows, 'meridian.batch.requests': live.length },
    });
  }

  private async execute(batch: Pending[]): Promise<void> {
    const now = Date.now();
    const live = batch.filter((p) => {
      if (p.deadlineAt > now) {
        p.queued.end();
        return true;
      }
      this.queuedRows -= p.rows;
      endSpan(p.queued, 'deadline passed in the queue');
      p.reject(deadlineExceeded());
      return false;
    });
    const rows = live.reduce((n, p) => n + p.rows, 0);
    this.queuedRows -= rows;
    this.runningRows += rows;
    this.running += 1;
    try {
      if (!live.length) return;
      this.opts.onBatch?.(rows);
      const names = Object.keys(live[0]!.inputs);
      const inputs =
        live.length === 1
          ? live[0]!.inputs
          : Object.fromEntries(names.map((n) => [n, concatBatch(live.map((p) => p.inputs[n]!))]));
      const outputs = await this.runTraced(live, rows, inputs);
      let start = 0;
      for (const p of live) {
        p.resolve(
          live.length === 1
            ? outputs
            : Object.fromEntries(Object.entries(outputs).map(([n, t]) => [n, sliceBatch(t, start, p.rows)])),
        );
        start += p.rows;
      }
    } catch (err) {
      for (const p of live) p.reject(err);
    } finally {
      this.runningRows -= rows;
      this.running -= 1;
      this.schedule(this.opts.policy());
    }
  }
}
