import { Registry, type OpenMetricsContentType } from 'prom-client';

/**
 * An app's metrics: exposed as OpenMetrics, the only text format that carries
 * exemplars (the trace id beside a latency bucket).
 */
export type MetricsRegistry = Registry<OpenMetricsContentType>;

/** A registry of its own for every app: never prom-client's global one, so in-process apps never share a metric. */
export function createMetricsRegistry(): MetricsRegistry {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}

/**
 * The one metric of that name in the registry, made on first use: prom-client
 * refuses a second metric of a name, and several parts of an app (the HTTP
 * middleware, the subscriptions, the sidecar client) share families.
 */
export function family<M>(registry: MetricsRegistry, name: string, make: (registers: MetricsRegistry[]) => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make([registry]);
}

let appRegistry: MetricsRegistry | undefined;

/**
 * The registry of the app this process runs, set by runService (one app per
 * process). Code that outlives requests and was built before the service (a
 * DaprClient made from the env) records into it; nothing is recorded before
 * it is set, and in-process tests that only call createServiceApp never set it.
 */
export function appMetrics(): MetricsRegistry | undefined {
  return appRegistry;
}

export function useAppMetrics(registry: MetricsRegistry): void {
  appRegistry = registry;
}

const LOCALS_KEY = 'metrics';

/** The registry an Express app's GET /metrics serves (set by createServiceApp); for routers the app mounts. */
export function metricsOf(app: { locals: Record<string, unknown> }): MetricsRegistry | undefined {
  return app.locals[LOCALS_KEY] as MetricsRegistry | undefined;
}

export function attachMetrics(app: { locals: Record<string, unknown> }, registry: MetricsRegistry): void {
  app.locals[LOCALS_KEY] = registry;
}
