import { describe, expect, it } from 'vitest';
import { observabilitySettings } from './observability.ts';
import { observabilityLines } from './printer.ts';

describe('observabilitySettings', () => {
  it('when MERIDIAN_OBSERVABILITY is not 1, then there is nothing to start', () => {
    expect(observabilitySettings({})).toEqual({ problems: [] });
    expect(observabilitySettings({ MERIDIAN_OBSERVABILITY: 'yes', MERIDIAN_JAEGER_PORT: 'x' })).toEqual({
      problems: [],
    });
  });

  it("when it is 1, then Jaeger and Prometheus take their usual ports, and Jaeger's query gRPC port is left to be chosen", () => {
    expect(observabilitySettings({ MERIDIAN_OBSERVABILITY: '1' })).toEqual({
      settings: { ports: { jaegerQuery: 16686, otlpGrpc: 4317, otlpHttp: 4318, zipkin: 9411, prometheus: 9090 } },
      problems: [],
    });
  });

  it('when ports and an interval are set, then those are used', () => {
    const { settings } = observabilitySettings({
      MERIDIAN_OBSERVABILITY: '1',
      MERIDIAN_JAEGER_PORT: '26686',
      MERIDIAN_OTLP_GRPC_PORT: '24317',
      MERIDIAN_OTLP_HTTP_PORT: '24318',
      MERIDIAN_ZIPKIN_PORT: '29411',
      MERIDIAN_PROMETHEUS_PORT: '29090',
      MERIDIAN_SCRAPE_INTERVAL_SECONDS: '2',
    });
    expect(settings).toEqual({
      ports: { jaegerQuery: 26686, otlpGrpc: 24317, otlpHttp: 24318, zipkin: 29411, prometheus: 29090 },
      scrapeIntervalSeconds: 2,
    });
  });

  it('when values are bad, then every one is reported', () => {
    const { problems } = observabilitySettings({
      MERIDIAN_OBSERVABILITY: '1',
      MERIDIAN_JAEGER_PORT: '70000',
      MERIDIAN_PROMETHEUS_PORT: 'ninety',
      MERIDIAN_SCRAPE_INTERVAL_SECONDS: '0.5',
    });
    expect(problems).toEqual([
      'MERIDIAN_JAEGER_PORT=70000 is not a port',
      'MERIDIAN_PROMETHEUS_PORT=ninety is not a port',
      'MERIDIAN_SCRAPE_INTERVAL_SECONDS=0.5 is not a whole number of seconds (1-3600)',
    ]);
  });

  it('when the launcher reports them, then it names each tool by its address', () => {
    expect(observabilityLines({ jaegerUrl: 'http://127.0.0.1:16686', prometheusUrl: 'http://127.0.0.1:9090' })).toEqual(
      ['traces: http://127.0.0.1:16686 (Jaeger)', 'metrics: http://127.0.0.1:9090 (Prometheus)'],
    );
  });
});
