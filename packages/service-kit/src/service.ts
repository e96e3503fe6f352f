import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { requireAppToken } from './app-token.ts';
import type { DaprClient } from './dapr-client.ts';
import type { DaprEnv } from './env.ts';
import { AppError, errorHandler } from './errors.ts';
import { assertJsonDepth } from './json-depth.ts';
import { createLogger, rootLogger, runWithLogger } from './logger.ts';
import { subscriptionRouter, type BulkSubscription, type Subscription } from './subscriptions.ts';
import { startTelemetry, traceRequests, type Telemetry } from './telemetry.ts';

export interface ServiceDefinition {
  name: string;
  env: DaprEnv;
  dapr: DaprClient;
  /** Largest accepted JSON body, e.g. '1mb'. */
  bodyLimit?: string;
  /** Larger (or smaller) limits for some paths; the first match wins. */
  bodyLimits?: { path: RegExp; limit: string }[];
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
}

export interface RunningService {
  app: Express;
  server: Server;
  port: number;
  stop(): Promise<void>;
}

/** The Express app with Meridian's middleware: traces, request logs, health, problem+json. */
export function createServiceApp(def: ServiceDefinition, telemetry?: Telemetry): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (telemetry) app.use(traceRequests(telemetry.tracer));
  app.use(function logRequest(req, res, next) {
    const start = process.hrtime.bigint();
    const log = rootLogger().child({
      req_id: req.header('x-request-id') ?? randomUUID(),
      method: req.method,
      path: req.path,
    });
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (req.path === '/healthz' || req.path === '/readyz') return;
      log.info({ status: res.statusCode, duration_ms: Math.round(ms * 100) / 100 }, 'request completed');
    });
    runWithLogger(log, next);
  });
  for (const handler of def.before ?? []) app.use(handler);
  if (!def.publicEdge) app.use(requireAppToken({ token: def.env.APP_API_TOKEN }));
  const jsonTypes = ['application/json', 'application/*+json'];
  const maxDepth = def.maxJsonDepth ?? 32;
  const json = (limit: string) =>
    express.json({ limit, type: jsonTypes, verify: (_req, _res, buf) => assertJsonDepth(buf, maxDepth) });
  for (const { path, limit } of def.bodyLimits ?? []) app.use(path, json(limit));
  // A body already parsed above is skipped by this parser.
  app.use(json(def.bodyLimit ?? '1mb'));
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
  if (def.subscriptions?.length) app.use(subscriptionRouter(def.subscriptions));
  def.routes(app);
  app.use((req, _res, next) =>
    next(new AppError({ code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` })),
  );
  app.use(errorHandler);
  return app;
}

/**
 * Starts a service: telemetry, logger, HTTP listener, and graceful shutdown
 * on SIGTERM/SIGINT (stop accepting, let in-flight requests finish, flush spans).
 */
export async function runService(
  build: (ctx: { log: Logger; telemetry: Telemetry }) => Promise<ServiceDefinition> | ServiceDefinition,
  opts: { name: string; env: DaprEnv; handleSignals?: boolean; onStop?: () => Promise<void> },
): Promise<RunningService> {
  const log = createLogger({ name: opts.name, level: opts.env.LOG_LEVEL });
  const telemetry = startTelemetry({ serviceName: opts.name, otlpEndpoint: opts.env.OTEL_EXPORTER_OTLP_ENDPOINT });
  const def = await build({ log, telemetry });
  const app = createServiceApp(def, telemetry);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.env.APP_PORT, opts.env.APP_HOST, () => resolve(s));
    s.once('error', reject);
  });
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
      const grace = setTimeout(() => server.closeAllConnections(), opts.env.SHUTDOWN_GRACE_MS);
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
