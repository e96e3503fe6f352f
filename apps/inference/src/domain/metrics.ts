import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics per model and version. */
export class InferenceMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'meridian_inference_requests_total',
    help: 'Inference requests by outcome',
    labelNames: ['model', 'version', 'outcome'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'meridian_inference_errors_total',
    help: 'Failed inference requests by error code',
    labelNames: ['model', 'version', 'code'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'meridian_inference_request_duration_seconds',
    help: 'Inference latency inside the app (queue + compute)',
    labelNames: ['model', 'version'],
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'meridian_inference_batch_rows',
    help: 'Rows per executed batch',
    labelNames: ['model', 'version'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [this.registry],
  });
  readonly cacheHits = new Counter({
    name: 'meridian_inference_cache_hits_total',
    help: 'Answers served from the response cache',
    labelNames: ['model', 'version'],
    registers: [this.registry],
  });
  readonly fallbacks = new Counter({
    name: 'meridian_inference_fallbacks_total',
    help: 'Answers served by the fallback',
    labelNames: ['model', 'version', 'reason'],
    registers: [this.registry],
  });

  constructor(queueDepth: () => { model: string; version: string; rows: number }[]) {
    new Gauge({
      name: 'meridian_inference_queue_rows',
      help: 'Rows queued or running per model version',
      labelNames: ['model', 'version'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const q of queueDepth()) this.set({ model: q.model, version: q.version }, q.rows);
      },
    });
  }
}
