import { isPortFree, type ObservabilityPorts } from '@meridian/platform';

/** The ports a user expects (each tool's default), each overridable from the environment. */
const PORTS = {
  jaegerQuery: { env: 'MERIDIAN_JAEGER_PORT', port: 16686 },
  otlpGrpc: { env: 'MERIDIAN_OTLP_GRPC_PORT', port: 4317 },
  otlpHttp: { env: 'MERIDIAN_OTLP_HTTP_PORT', port: 4318 },
  zipkin: { env: 'MERIDIAN_ZIPKIN_PORT', port: 9411 },
  prometheus: { env: 'MERIDIAN_PROMETHEUS_PORT', port: 9090 },
} as const;

export interface ObservabilitySettings {
  ports: Partial<ObservabilityPorts>;
  scrapeIntervalSeconds?: number;
}

const whole = (text: string, o: { min: number; max: number }) => {
  const n = Number(text);
  return Number.isInteger(n) && n >= o.min && n <= o.max ? n : undefined;
};

/**
 * With MERIDIAN_OBSERVABILITY=1, where Jaeger and Prometheus listen (Jaeger's query gRPC port is
 * left free) and how often Prometheus scrapes (MERIDIAN_SCRAPE_INTERVAL_SECONDS); undefined
 * without it. Every bad value is reported at once.
 */
export function observabilitySettings(env: NodeJS.ProcessEnv): {
  settings?: ObservabilitySettings;
  problems: string[];
} {
  if (env.MERIDIAN_OBSERVABILITY !== '1') return { problems: [] };
  const problems: string[] = [];
  const ports: Partial<ObservabilityPorts> = {};
  for (const [name, { env: key, port }] of Object.entries(PORTS) as [
    keyof typeof PORTS,
    (typeof PORTS)[keyof typeof PORTS],
  ][]) {
    const text = env[key];
    const value = text === undefined || text === '' ? port : whole(text, { min: 1, max: 65_535 });
    if (value === undefined) problems.push(`${key}=${text} is not a port`);
    else ports[name] = value;
  }
  const interval = env.MERIDIAN_SCRAPE_INTERVAL_SECONDS;
  const scrapeIntervalSeconds = interval ? whole(interval, { min: 1, max: 3600 }) : undefined;
  if (interval && scrapeIntervalSeconds === undefined)
    problems.push(`MERIDIAN_SCRAPE_INTERVAL_SECONDS=${interval} is not a whole number of seconds (1-3600)`);
  return { settings: { ports, ...(scrapeIntervalSeconds ? { scrapeIntervalSeconds } : {}) }, problems };
}

/** A line per port of `settings` something else holds, naming the variable that moves it. */
export async function busyPorts(settings: ObservabilitySettings): Promise<string[]> {
  const names = Object.keys(PORTS) as (keyof typeof PORTS)[];
  const busy = await Promise.all(
    names.map(async (name) => {
      const port = settings.ports[name];
      return port !== undefined && !(await isPortFree(port))
        ? `port ${port} is in use; stop what holds it or set ${PORTS[name].env}`
        : undefined;
    }),
  );
  return busy.filter((b) => b !== undefined);
}
