import type { Histogram, LabelValues } from 'prom-client';

/**
 * Observes a value in a histogram made with `enableExemplars: true`; the
 * trace id, when there is one, becomes the exemplar of the bucket it falls in,
 * so a slow bucket in Grafana links to a trace of a request that landed there.
 */
export function observeWithTrace<T extends string>(
  histogram: Histogram<T>,
  o: { labels: LabelValues<T>; value: number; traceId: string | undefined },
): void {
  // prom-client types exemplar labels with the series' label names; trace_id is an exemplar-only label.
  const exemplarLabels = o.traceId ? ({ trace_id: o.traceId } as LabelValues<T>) : {};
  histogram.observe({ labels: o.labels, value: o.value, exemplarLabels });
}
