import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, startTelemetry } from '@meridian/service-kit';
import { inferenceTestEnv, serveInference } from '../testing/serve.ts';
import { InferenceMetrics } from './metrics.ts';
import type { ModelStore } from './model-store.ts';

createLogger({ name: 'test', level: 'silent' });
// The tracer provider and context manager runService registers, for this file's worker.
const telemetry = startTelemetry({ serviceName: 'inference-metrics-test' });
afterAll(() => telemetry.shutdown());

const latencyBuckets = (text: string) =>
  text.split('\n').filter((line) => line.startsWith('meridian_inference_request_duration_seconds_bucket'));

describe('InferenceMetrics', () => {
  it('when latency is observed inside a request span, then its bucket carries the trace id as exemplar', async () => {
    const metrics = new InferenceMetrics(() => []);
    const traceId = telemetry.tracer.startActiveSpan('infer', (span) => {
      metrics.latency.observe({ model: 'm', version: '1' }, 0.003);
      span.end();
      return span.spanContext().traceId;
    });
    metrics.latency.observe({ model: 'm', version: '1' }, 0.3);
    const buckets = latencyBuckets(await metrics.registry.metrics());
    expect(buckets.filter((line) => line.includes(`# {trace_id="${traceId}"} 0.003 `))).toHaveLength(1);
    // Outside a span there is no trace to point at, so that bucket has no exemplar.
    expect(buckets.filter((line) => line.includes('# {'))).toHaveLength(1);
  });

  it('when two apps in one process make their metrics, then each has its own registry and nothing collides', async () => {
    const one = new InferenceMetrics(() => [{ model: 'a', version: '1', rows: 3 }]);
    const two = new InferenceMetrics(() => [{ model: 'b', version: '1', rows: 5 }]);
    expect(one.registry).not.toBe(two.registry);
    expect(await one.registry.metrics()).toContain('meridian_inference_queue_rows{model="a",version="1"} 3');
    expect(await two.registry.metrics()).not.toContain('model="a"');
  });

  it('when the app is scraped with its app token, then GET /metrics serves the model metrics beside the HTTP ones', async () => {
    const env = inferenceTestEnv({ repository: '/nonexistent' });
    const store = { list: () => [], entry: () => undefined } as unknown as ModelStore;
    const served = await serveInference({ env, store });
    try {
      await served.send('GET', '/v2/models/nobody');
      const res = await fetch(`${served.base}/metrics`, { headers: { authorization: `Bearer ${env.APP_API_TOKEN}` } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('# TYPE meridian_inference_request_duration_seconds histogram');
      expect(text).toMatch(
        /http_server_request_duration_seconds_count\{method="GET",route="\/v2\/models\/:name",status_code="404"\} 1/,
      );
      expect((await fetch(`${served.base}/metrics`)).status).toBe(401);
    } finally {
      await served.close();
    }
  });
});
