import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { JAEGER_MAX_TRACES, jaegerConfig } from './jaeger-config.ts';

const ports = { query: 26686, queryGrpc: 26685, otlpGrpc: 24317, otlpHttp: 24318, zipkin: 29411 };

describe('jaegerConfig', () => {
  const text = jaegerConfig({ ports });
  const config = parse(text);

  it('when ports are given, then OTLP gRPC and HTTP, Zipkin and the query API listen on exactly those, on loopback', () => {
    expect(config.receivers).toEqual({
      otlp: { protocols: { grpc: { endpoint: '127.0.0.1:24317' }, http: { endpoint: '127.0.0.1:24318' } } },
      zipkin: { endpoint: '127.0.0.1:29411' },
    });
    expect(config.extensions.jaeger_query.http).toEqual({ endpoint: '127.0.0.1:26686' });
    expect(config.extensions.jaeger_query.grpc).toEqual({ endpoint: '127.0.0.1:26685' });
    expect(config.service.pipelines.traces.receivers).toEqual(['otlp', 'zipkin']);
  });

  it('when it runs, then it opens no fixed port of its own: no self-metrics on 8888, no Jaeger-protocol receivers', () => {
    expect(config.service.telemetry.metrics).toEqual({ level: 'none' });
    expect(config.service.extensions).toEqual(['jaeger_storage', 'jaeger_query']);
    expect(text).not.toMatch(/:(8888|4317|4318|9411|16686|14250|14268|5778)\b/);
  });

  it('when spans are stored, then they go to one bounded in-memory store that the query API reads', () => {
    const [name, backend] = Object.entries(config.extensions.jaeger_storage.backends)[0]!;
    expect(backend).toEqual({ memory: { max_traces: JAEGER_MAX_TRACES } });
    expect(config.extensions.jaeger_query.storage.traces).toBe(name);
    expect(config.exporters.jaeger_storage_exporter.trace_storage).toBe(name);
    expect(
      parse(jaegerConfig({ ports, maxTraces: 10 })).extensions.jaeger_storage.backends[name].memory.max_traces,
    ).toBe(10);
  });
});
