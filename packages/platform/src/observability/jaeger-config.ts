import { stringify } from 'yaml';

export interface JaegerPorts {
  /** The query API and UI (HTTP). */
  query: number;
  /** The query API over gRPC: Jaeger always opens it, so it gets a port of its own too (16685 by default). */
  queryGrpc: number;
  otlpGrpc: number;
  otlpHttp: number;
  zipkin: number;
}

/** Spans kept in memory; the oldest trace goes when a new one would pass this. */
export const JAEGER_MAX_TRACES = 100_000;

const HOST = '127.0.0.1';
const at = (port: number) => `${HOST}:${port}`;

/**
 * Jaeger v1.76's all-in-one (`jaeger --config`), an OpenTelemetry collector: OTLP (gRPC and HTTP)
 * and Zipkin in, spans in memory, the query API out, everything on loopback. Nothing else is
 * opened: its own metrics (8888 by default), the Jaeger-protocol receivers, remote sampling and
 * health check would take fixed ports two platforms on one machine would fight over.
 */
export function jaegerConfig(o: { ports: JaegerPorts; maxTraces?: number }): string {
  const { ports } = o;
  const config = {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query'],
      pipelines: {
        traces: { receivers: ['otlp', 'zipkin'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
      },
      telemetry: {
        resource: { 'service.name': 'jaeger' },
        metrics: { level: 'none' },
        logs: { level: 'info' },
      },
    },
    extensions: {
      jaeger_storage: { backends: { memstore: { memory: { max_traces: o.maxTraces ?? JAEGER_MAX_TRACES } } } },
      jaeger_query: {
        storage: { traces: 'memstore' },
        http: { endpoint: at(ports.query) },
        grpc: { endpoint: at(ports.queryGrpc) },
        // Its own spans would go to the OTLP default (localhost:4318), which may be someone else's collector.
        enable_tracing: false,
      },
    },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: at(ports.otlpGrpc) }, http: { endpoint: at(ports.otlpHttp) } } },
      zipkin: { endpoint: at(ports.zipkin) },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  };
  return stringify(config, { lineWidth: 0 });
}
