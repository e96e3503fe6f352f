import { Histogram } from 'prom-client';
import { deadLetterTopic } from '@meridian/contracts';
import { deadLetters } from './pubsub.ts';
import { family, type MetricsRegistry } from './registry.ts';

/** The state operations timed; `bulk_get` is the bulk read (a bulk save is a `save` of many items). */
export type StateOperationName = 'get' | 'save' | 'delete' | 'transaction' | 'bulk_get';

/** What a sidecar call is, for its metric: only bounded names (stores, app ids, topics), never keys or ids. */
export type SidecarCall =
  | { kind: 'state'; store: string; operation: StateOperationName }
  | { kind: 'invoke'; appId: string }
  | { kind: 'publish'; topic: string };

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function histogram<T extends string>(registry: MetricsRegistry, o: { name: string; help: string; labels: T[] }) {
  return family(
    registry,
    o.name,
    (registers) => new Histogram<T>({ name: o.name, help: o.help, labelNames: o.labels, buckets: BUCKETS, registers }),
  );
}

const stateDuration = (registry: MetricsRegistry) =>
  histogram(registry, {
    name: 'meridian_dapr_state_operation_duration_seconds',
    help: 'State API calls to the sidecar, by store and operation (failures included)',
    labels: ['store', 'operation'],
  });

const invokeDuration = (registry: MetricsRegistry) =>
  histogram(registry, {
    name: 'meridian_dapr_invoke_duration_seconds',
    help: 'Service invocations through the sidecar, by target app and status class (error: no answer)',
    labels: ['app_id', 'status_class'],
  });

const publishDuration = (registry: MetricsRegistry) =>
  histogram(registry, {
    name: 'meridian_dapr_publish_duration_seconds',
    help: 'Publishes (single and bulk) through the sidecar, by topic (failures included)',
    labels: ['topic'],
  });

/** `2xx`…`5xx` from an answer, `error` when the sidecar did not answer (unreachable, timed out). */
export function statusClass(status: number | undefined): string {
  return status === undefined ? 'error' : `${Math.floor(status / 100)}xx`;
}

export function recordSidecarCall(
  registry: MetricsRegistry,
  o: { call: SidecarCall; seconds: number; status: number | undefined },
): void {
  const { call, seconds } = o;
  if (call.kind === 'state') stateDuration(registry).observe({ store: call.store, operation: call.operation }, seconds);
  else if (call.kind === 'invoke')
    invokeDuration(registry).observe({ app_id: call.appId, status_class: statusClass(o.status) }, seconds);
  else publishDuration(registry).observe({ topic: call.topic }, seconds);
}

const DEAD_LETTER_SUFFIX = deadLetterTopic('');

/**
 * Messages published to a `<topic>.dead-letter` topic are dead letters (records
 * ingestion rejects): counted once published, under the topic they were meant for.
 */
export function recordPublished(registry: MetricsRegistry, o: { topic: string; count: number }): void {
  if (o.count <= 0 || !o.topic.endsWith(DEAD_LETTER_SUFFIX)) return;
  deadLetters(registry).inc({ topic: o.topic.slice(0, -DEAD_LETTER_SUFFIX.length) }, o.count);
}
