import { Counter, Gauge, Histogram, type LabelValues } from 'prom-client';
import { createMetricsRegistry, currentTraceId, observeWithTrace, type MetricsRegistry } from '@meridian/service-kit';

type ModelLabels = LabelValues<'model' | 'version'>;

/**
 * Prometheus metrics per model and version, in the app's registry (the one
 * service-kit serves at GET /metrics), or in a registry of their own.
 */
export class InferenceMetrics {
  readonly registry: MetricsRegistry;
  readonly requests: Counter<'model' | 'version' | 'outcome'>;
  readonly errors: Counter<'model' | 'version' | 'code'>;
  /** Latency with the request's trace id as the bucket's exemplar. */
  readonly latency: { observe(labels: ModelLabels, seconds: number): void };
  readonly batchSize: Histogram<'model' | 'version'>;
  readonly cacheHits: Counter<'model' | 'version'>;
  readonly fallbacks: Counter<'model' | 'version' | 'reason'>;

  constructor(
    queueDepth: () => { model: string; version: string; rows: number }[],
    opts: { registry?: MetricsRegistry } = {},
  ) {
    this.registry = opts.registry ?? createMetricsRegistry();
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'meridian_inference_requests_total',
      help: 'Inference requests by outcome',
      labelNames: ['model', 'version', 'outcome'],
      registers,
    });
    this.errors = new Counter({
      name: 'meridian_inference_errors_total',
      help: 'Failed inference requests by error code',
      labelNames: ['model', 'version', 'code'],
      registers,
    });
    const latency = new Histogram({
      name: 'meridian_inference_request_duration_seconds',
      help: 'Inference latency inside the app (queue + compute)',
      labelNames: ['model', 'version'],
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      enableExemplars: true,
      registers,
    });
    this.latency = {
      observe: (labels, seconds) => observeWithTrace(latency, { labels, value: seconds, traceId: currentTraceId() }),
    };
    this.batchSize = new Histogram({
      name: 'meridian_inference_batch_rows',
      help: 'Rows per executed batch',
      labelNames: ['model', 'version'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    this.cacheHits = new Counter({
      name: 'meridian_inference_cache_hits_total',
      help: 'Answers served from the response cache',
      labelNames: ['model', 'version'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'meridian_inference_fallbacks_total',
      help: 'Answers served by the fallback',
      labelNames: ['model', 'version', 'reason'],
      registers,
    });
    new Gauge({
      name: 'meridian_inference_queue_rows',
      help: 'Rows queued or running per model version',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        for (const q of queueDepth()) this.set({ model: q.model, version: q.version }, q.rows);
      },
    });
  }
}
