import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocatePorts } from '../ports.ts';
import { alertRulesYaml } from './alert-rules.ts';
import { startJaeger } from './jaeger.ts';
import { prometheusConfig, type ScrapeTarget } from './prometheus-config.ts';
import { startPrometheus, type Prometheus } from './prometheus.ts';

export interface ObservabilityPorts {
  jaegerQuery: number;
  /** Jaeger's query API over gRPC (it always listens; 16685 in a default install). */
  jaegerQueryGrpc: number;
  otlpGrpc: number;
  otlpHttp: number;
  zipkin: number;
  prometheus: number;
}

export interface Observability {
  /** Jaeger's UI and query API (`/api/traces?service=gateway`). */
  jaegerUrl: string;
  /** Prometheus (`/api/v1/targets`); it answers once scrape() was first called. */
  prometheusUrl: string;
  /** Where spans go: daprd over OTLP gRPC (host:port), apps over OTLP HTTP (a base URL; they post to `/v1/traces`). */
  tracing: { otlpGrpcAddress: string; otlpHttpUrl: string };
  /** Scrapes exactly these targets: starts Prometheus the first time, reloads it with the new list later. */
  scrape(targets: ScrapeTarget[]): Promise<void>;
  /** Jaeger's process id (benchmarks count its CPU as part of what tracing costs). */
  jaegerPid(): number | undefined;
  stop(): Promise<void>;
}

const PORT_NAMES = ['jaegerQuery', 'jaegerQueryGrpc', 'otlpGrpc', 'otlpHttp', 'zipkin', 'prometheus'] as const;

/** The given ports, and a free one for each of the others. */
async function choosePorts(given: Partial<ObservabilityPorts>): Promise<ObservabilityPorts> {
  const free = await allocatePorts(PORT_NAMES.filter((n) => given[n] === undefined).length);
  const ports = { ...given };
  for (const n of PORT_NAMES) ports[n] ??= free.shift();
  return ports as ObservabilityPorts;
}

/**
 * Local traces and metrics: Jaeger (spans in memory) now, Prometheus with Meridian's alert rules
 * once there is something to scrape. Both run on loopback and keep their files under
 * `<dataDir>/observability` and their logs in `<dataDir>/logs`; stop() ends both.
 */
export async function startObservability(o: {
  dataDir: string;
  ports?: Partial<ObservabilityPorts>;
  /** Scrape and rule-evaluation interval (default 15 s; tests use 2). */
  scrapeIntervalSeconds?: number;
  onLine?: (name: string, line: string) => void;
}): Promise<Observability> {
  const ports = await choosePorts(o.ports ?? {});
  const onLine = o.onLine ? { onLine: o.onLine } : {};
  const jaeger = await startJaeger({
    dataDir: o.dataDir,
    ports: {
      query: ports.jaegerQuery,
      queryGrpc: ports.jaegerQueryGrpc,
      otlpGrpc: ports.otlpGrpc,
      otlpHttp: ports.otlpHttp,
      zipkin: ports.zipkin,
    },
    ...onLine,
  });
  const dir = join(o.dataDir, 'observability');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const rulesFile = join(dir, 'meridian-rules.yaml');
  writeFileSync(rulesFile, alertRulesYaml());
  const configFor = (targets: ScrapeTarget[]) =>
    prometheusConfig({
      targets,
      ruleFiles: [rulesFile],
      ...(o.scrapeIntervalSeconds ? { scrapeIntervalSeconds: o.scrapeIntervalSeconds } : {}),
    });

  let prometheus: Promise<Prometheus> | undefined;
  // One scrape() at a time: a reload must not overtake the start it follows.
  let queue: Promise<unknown> = Promise.resolve();
  const scrape = (targets: ScrapeTarget[]) => {
    const next = queue.then(async () => {
      const config = configFor(targets);
      if (!prometheus) {
        prometheus = startPrometheus({ dataDir: o.dataDir, port: ports.prometheus, config, ...onLine });
        // A failed start may be tried again by the next scrape().
        await prometheus.catch((err: unknown) => {
          prometheus = undefined;
          throw err;
        });
      } else await (await prometheus).reload(config);
    });
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    jaegerUrl: jaeger.url,
    prometheusUrl: `http://127.0.0.1:${ports.prometheus}`,
    tracing: { otlpGrpcAddress: `127.0.0.1:${ports.otlpGrpc}`, otlpHttpUrl: `http://127.0.0.1:${ports.otlpHttp}` },
    scrape,
    jaegerPid: () => jaeger.process.pid,
    async stop() {
      await queue;
      const p = await prometheus?.catch(() => undefined);
      await Promise.all([p?.stop(), jaeger.stop()]);
    },
  };
}
