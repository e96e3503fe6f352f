import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { requireAppToken } from './app-token.ts';
import { cpuProfileOnSignal } from './cpu-profile.ts';
import { serveGrpcOnSamePort } from './grpc/same-port.ts';
import { unaryServer, type GrpcMethods } from './grpc/unary-server.ts';
import type { DaprClient } from './dapr-client.ts';
import type { DaprEnv } from './env.ts';
import { AppError, errorHandler } from './errors.ts';
import { asExpress, runInOrder, type LeanLane } from './lean-lane.ts';
import { assertJsonDepth } from './json-depth.ts';
import { createLogger, rootLogger, runWithLogger } from './logger.ts';
import { recordRequests } from './metrics/record-requests.ts';
import { attachMetrics, createMetricsRegistry, useAppMetrics, type MetricsRegistry } from './metrics/registry.ts';
import { serveMetrics } from './metrics/serve-metrics.ts';
import {
  DEFAULT_READING,
  isBulk,
  SINGLE_DELIVERY_BYTES,
  subscriptionRouter,
  type BulkSubscription,
  type Subscription,
} from './subscriptions.ts';
import {
  activeTraceContext,
  inTraceContext,
  startTelemetry,
  traceRequests,
  whenDone,
  type Telemetry,
} from './telemetry.ts';

export interface ServiceDefinition {
  name: string;
  env: DaprEnv;
  dapr: DaprClient;
  /** Largest accepted JSON body, e.g. '1mb'. */
  bodyLimit?: string;
  /** Larger (or smaller) limits for some paths, and levels of nesting past `maxJsonDepth` (an envelope's); the first match wins. */
  bodyLimits?: { path: RegExp; limit: string; extraDepth?: number }[];
  routes(app: Express): void;
  subscriptions?: (Subscription<unknown> | BulkSubscription<unknown>)[];
  /** Extra readiness beyond "my sidecar is healthy". */
  ready?(): Promise<boolean>;
  /** Handlers that run before a body is read or a token checked: refusing there (load shedding) costs the least. */
  before?: RequestHandler[];
  /** Figures an operator wants beside readiness (e.g. load shedding), added to the /readyz body. */
  status?(): Record<string, unknown>;
  /**
   * The public edge (the gateway) takes calls from anyone and guards its
   * routes itself; every other app takes calls only from its own sidecar,
   * which proves itself with the app token.
   */
  publicEdge?: boolean;
  /** Deepest JSON nesting accepted in a body (default 32). */
  maxJsonDepth?: number;
  /** The registry GET /metrics serves (a new one when absent); the app's own metrics go here too. */
  metrics?: MetricsRegistry;
  /**
   * Unary gRPC methods served on the app port beside the HTTP routes (HTTP/2
   * connections go to them), for callers that come through daprd's gRPC proxy.
   */
  grpc?: GrpcMethods;
  /** Hot routes answered without Express's router (the same steps run first); Express answers the rest. */
  lean?: LeanLane;
}

/** An app as served: the lean lane for what it takes, Express for the rest. */
export interface ServiceApp {
  express: Express;
  listener(req: IncomingMessage, res: ServerResponse): void;
  listen(port: number, host: string, cb: () => void): Server;
}

export interface RunningService {
  app: ServiceApp;
  server: Server;
  port: number;
  stop(): Promise<void>;
}

/** The app with Meridian's middleware: traces, request logs, metrics, health, problem+json. */
export function createServiceApp(def: ServiceDefinition, telemetry?: Telemetry): ServiceApp {
  const app = express();
  const metrics = def.metrics ?? createMetricsRegistry();
  attachMetrics(app, metrics);
  app.disable('x-powered-by');
  app.set('etag', false);
  // Every request's first steps, under Express and in the lean lane.
  const first: RequestHandler[] = [
    ...(telemetry ? [traceRequests(telemetry.tracer)] : []),
    function logRequest(req, res, next) {
      let log: Logger | undefined;
      // Made once, when the request first logs (its last line included); never when nothing is written.
      const requestLog = () =>
        (log ??= rootLogger().child({
          req_id: req.header('x-request-id') ?? randomUUID(),
          method: req.method,
          path: req.path,
        }));
      // The completion line, when the level writes it (decided as the request begins). The answer's end fires
      // outside the request's trace context: the line is written in the one it began in, so it carries the trace id.
      if (req.path !== '/healthz' && req.path !== '/readyz' && rootLogger().isLevelEnabled('info')) {
        const start = process.hrtime.bigint();
        const traced = activeTraceContext();
        whenDone(res, () => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          inTraceContext(traced, () =>
            requestLog().info({ status: res.statusCode, duration_ms: Math.round(ms * 100) / 100 }, 'request completed'),
          );
        });
      }
      runWithLogger(requestLog, next);
    },
    recordRequests({ registry: metrics }),
  ];
  for (const handler of first) app.use(handler);
  // Scrapes are never shed, and need the app token even at the public edge (Prometheus sends it as a Bearer).
  app.get('/metrics', requireAppToken({ token: def.env.APP_API_TOKEN }), serveMetrics({ registry: metrics }));
  const guards = [
    ...(def.before ?? []),
    ...(def.publicEdge ? [] : [requireAppToken({ token: def.env.APP_API_TOKEN })]),
  ];
  for (const handler of guards) app.use(handler);
  const jsonTypes = ['application/json', 'application/*+json'];
  const maxDepth = def.maxJsonDepth ?? 32;
  const json = (limit: string | number, depth = maxDepth) =>
    express.json({ limit, type: jsonTypes, verify: (_req, _res, buf) => assertJsonDepth(buf, depth) });
  const exactly = (route: string) => new RegExp(`^${route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  // A bulk delivery's route reads its own body, in parts (subscriptions.ts).
  const unread: RequestHandler = (_req, _res, next) => next();
  const parsers = [
    // Each subscription's deliveries (first: no other limit applies to them): as large as its events can
    // come, since Dapr would retry a refused one for ever.
    ...(def.subscriptions ?? []).map((s) => ({
      path: exactly(s.route),
      parse: isBulk(s) ? unread : json(SINGLE_DELIVERY_BYTES),
    })),
    ...(def.bodyLimits ?? []).map(({ path, limit, extraDepth }) => ({
      path,
      parse: json(limit, maxDepth + (extraDepth ?? 0)),
    })),
  ];
  const parseAny = json(def.bodyLimit ?? '1mb');
  const parseBody: RequestHandler = (req, res, next) =>
    (parsers.find((p) => p.path.test(req.path))?.parse ?? parseAny)(req, res, next);
  app.use(parseBody);
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res, next) => {
    try {
      const sidecar = await def.dapr.healthy();
      const own = def.ready ? await def.ready() : true;
      res.status(sidecar && own ? 200 : 503).json({ ready: sidecar && own, sidecar, app: own, ...def.status?.() });
    } catch (err) {
      next(err);
    }
  });
  if (def.subscriptions?.length)
    app.use(subscriptionRouter(def.subscriptions, { metrics, reading: { ...DEFAULT_READING, maxDepth } }));
  def.routes(app);
  const notFound = (req: { method?: string; path: string }) =>
    new AppError({ code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` });
  app.use((req, _res, next) => next(notFound(req)));
  app.use(errorHandler);

  const lean = def.lean;
  const lane = lean && runInOrder([...first, ...guards, parseBody, lean.handler]);
  const listener = (incoming: IncomingMessage, answer: ServerResponse): void => {
    if (!lane || !lean.takes(incoming)) {
      app(incoming, answer);
      return;
    }
    const { req, res } = asExpress(incoming, answer);
    lane(req, res, (err?: unknown) => errorHandler(err ?? notFound(req), req, res, () => undefined));
  };
  return {
    express: app,
    listener,
    listen: (port, host, cb) => createServer(listener).listen(port, host, cb),
  };
}

/**
 * Starts a service: telemetry, logger, metrics, HTTP listener, and graceful shutdown
 * on SIGTERM/SIGINT (stop accepting, let in-flight requests finish, flush spans).
 * The app's metrics registry is `opts.metrics` (or a new one), handed to `build`;
 * a definition that brings its own `metrics` wins. It becomes the process's app
 * registry, which DaprClients without one of their own record into.
 */
export async function runService(
  build: (ctx: {
    log: Logger;
    telemetry: Telemetry;
    metrics: MetricsRegistry;
  }) => Promise<ServiceDefinition> | ServiceDefinition,
  opts: {
    name: string;
    env: DaprEnv;
    handleSignals?: boolean;
    onStop?: () => Promise<void>;
    metrics?: MetricsRegistry;
  },
): Promise<RunningService> {
  const log = createLogger({ name: opts.name, level: opts.env.LOG_LEVEL });
  const telemetry = startTelemetry({ serviceName: opts.name, otlpEndpoint: opts.env.OTEL_EXPORTER_OTLP_ENDPOINT });
  const metrics = opts.metrics ?? createMetricsRegistry();
  useAppMetrics(metrics);
  cpuProfileOnSignal({ dir: opts.env.CPU_PROFILE_DIR, name: opts.name, log });
  const def = await build({ log, telemetry, metrics });
  if (def.metrics) useAppMetrics(def.metrics);
  const registry = def.metrics ?? metrics;
  const app = createServiceApp({ ...def, metrics: registry }, telemetry);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.env.APP_PORT, opts.env.APP_HOST, () => resolve(s));
    s.once('error', reject);
  });
  const grpc = def.grpc
    ? serveGrpcOnSamePort(server, unaryServer({ methods: def.grpc, token: opts.env.APP_API_TOKEN, registry }))
    : undefined;
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.env.APP_PORT;
  log.info({ port, app_id: opts.env.APP_ID, dapr_http_port: opts.env.DAPR_HTTP_PORT }, `${opts.name} listening`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      grpc?.close();
      const grace = setTimeout(() => {
        server.closeAllConnections();
        grpc?.destroy();
      }, opts.env.SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(grace);
      await opts.onStop?.();
      await telemetry.shutdown().catch(() => undefined);
      log.info('stopped');
    })();
    return stopping;
  };
  if (opts.handleSignals !== false) {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'signal received');
      void stop().then(() => process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { app, server, port, stop };
}
