import { Gauge, Histogram } from 'prom-client';
import { family, type MetricsRegistry } from './registry.ts';

export function actorMetrics(registry: MetricsRegistry) {
  return {
    active: family(
      registry,
      'meridian_actors_active',
      (registers) =>
        new Gauge({
          name: 'meridian_actors_active',
          help: 'Actors active in this app by type: first calls since start or deactivation, minus deactivations',
          labelNames: ['type'] as const,
          registers,
        }),
    ),
    method: family(
      registry,
      'meridian_actor_method_duration_seconds',
      (registers) =>
        new Histogram({
          name: 'meridian_actor_method_duration_seconds',
          help: 'Actor method calls by type and method (reminders as method "remind"), failures included',
          labelNames: ['type', 'method'] as const,
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    ),
  };
}

/**
 * Which actors this app holds, as it sees them: Dapr's HTTP protocol has no
 * activation call, so the first call to an id (method or reminder) activates
 * it and DELETE deactivates it. Ids of actors Dapr moved away without a
 * deactivation stay counted until their next DELETE.
 */
export class ActorActivity {
  private readonly active = new Map<string, Set<string>>();

  called(o: { registry: MetricsRegistry | undefined; type: string; id: string }): void {
    const ids = this.active.get(o.type) ?? new Set<string>();
    this.active.set(o.type, ids);
    if (ids.has(o.id)) return;
    ids.add(o.id);
    if (o.registry) actorMetrics(o.registry).active.inc({ type: o.type });
  }

  deactivated(o: { registry: MetricsRegistry | undefined; type: string; id: string }): void {
    if (!this.active.get(o.type)?.delete(o.id)) return;
    if (o.registry) actorMetrics(o.registry).active.dec({ type: o.type });
  }
}

/** Runs `fn` and observes how long it took (thrown or not) under the actor's type and method. */
export async function timeActorCall<T>(
  o: { registry: MetricsRegistry | undefined; type: string; method: string },
  fn: () => Promise<T>,
): Promise<T> {
  if (!o.registry) return fn();
  const start = performance.now();
  try {
    return await fn();
  } finally {
    actorMetrics(o.registry).method.observe({ type: o.type, method: o.method }, (performance.now() - start) / 1000);
  }
}
