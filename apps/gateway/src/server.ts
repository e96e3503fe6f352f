import type { Express, RequestHandler } from 'express';
import {
  DaprClient,
  EDGE_APP_ID,
  bootEnv,
  maskAuditRecord,
  rootLogger,
  runService,
  type RunningService,
  type ServiceDefinition,
} from '@meridian/service-kit';
import { DaprEventSources } from './adapters/dapr-event-sources.ts';
import { secretStoreKeys } from './adapters/secret-store-keys.ts';
import { StateAuditStore } from './adapters/state-audit-store.ts';
import { StateCounterStore } from './adapters/state-counter-store.ts';
import { AuditLog } from './domain/audit-log.ts';
import { createAuthenticator, type Authenticator } from './domain/authenticator.ts';
import { EventHub, type EventHubOptions } from './domain/event-hub.ts';
import type { EventSources } from './domain/ports.ts';
import { RateLimiter } from './domain/rate-limiter.ts';
import { describePolicies } from './domain/rate-limits.ts';
import { Shedding } from './domain/shedding.ts';
import { gatewayEnv, type GatewayEnv } from './env.ts';
import { auditAction, auditList } from './routes/audit.ts';
import { requireRole } from './routes/auth.ts';
import { serveConsole } from './routes/console.ts';
import { edgeRouter, validateBody } from './routes/edge-router.ts';
import { eventStream } from './routes/events.ts';
import { forwardTo } from './routes/forward.ts';
import { InferBatching } from './routes/infer-batching.ts';
import { rateLimit } from './routes/rate-limit.ts';
import { CONSOLE_ROUTES, EDGE_ROUTES, type EdgeRoute } from './routes/route-table.ts';
import { shed } from './routes/shed.ts';

export interface GatewayDeps {
  env: GatewayEnv;
  dapr: DaprClient;
  auth: Authenticator;
  limiter: Pick<RateLimiter, 'check'>;
  audit: Pick<AuditLog, 'begin' | 'finish' | 'list'>;
  /** Concurrency limits per route class (load shedding). */
  shedding: Pick<Shedding, 'limitFor' | 'retryAfterSeconds' | 'snapshot'>;
  /** The one poller and fan-out behind every GET /v1/events stream. */
  events: Pick<EventHub, 'join' | 'open'>;
  routes?: EdgeRoute[];
}

/**
 * What a matched request runs through (its class's slot was taken before its body was read): token and role, the
 * subject's limits, body, audit, then the app (or the gateway's own answer). A public route (the console's files:
 * GET only, no body, nothing to audit) runs its answer alone.
 */
function routeChain(
  deps: GatewayDeps,
  batchingFor: (appId: string) => InferBatching | undefined,
): (route: EdgeRoute) => RequestHandler[] {
  const consoleFiles = serveConsole({ dir: deps.env.CONSOLE_DIR });
  const own: Record<string, RequestHandler> = {
    'gateway.audit': auditList({ audit: deps.audit }),
    'gateway.events': eventStream({ hub: deps.events }),
    ...Object.fromEntries(CONSOLE_ROUTES.map((r) => [r.id, consoleFiles])),
  };
  return (route) => {
    const batching = route.batch ? batchingFor(route.app) : undefined;
    const last =
      route.app === EDGE_APP_ID
        ? own[route.id]
        : forwardTo({
            dapr: deps.dapr,
            appId: route.app,
            ...(batching ? { batching } : {}),
          });
    if (!last) throw new Error(`route ${route.id} is served by the gateway but has no handler`);
    if (route.public) {
      if (route.app !== EDGE_APP_ID || route.method !== 'GET' || route.roles.length)
        throw new Error(`route ${route.id}: a public route is a GET the gateway answers itself, with no role`);
      return [last];
    }
    return [
      requireRole({ auth: deps.auth, roles: route.roles }),
      rateLimit({ limiter: deps.limiter, routeClass: route.class }),
      validateBody(route),
      ...(route.audit ? [auditAction({ audit: deps.audit, action: route.id, target: route.app })] : []),
      last,
    ];
  };
}

export function createApp(deps: GatewayDeps): ServiceDefinition {
  const { dapr, env } = deps;
  const routes = deps.routes ?? EDGE_ROUTES;
  // One batching per app, shared by its infer routes: the calls out to one model of that app count together.
  const batching = new Map<string, InferBatching>();
  const batchingFor = (appId: string) => {
    if (env.INFER_BATCH_IN_FLIGHT === 0) return undefined;
    if (!batching.has(appId))
      batching.set(appId, new InferBatching({ dapr, appId, maxInFlight: env.INFER_BATCH_IN_FLIGHT }));
    return batching.get(appId);
  };
  // Shedding's class, the lane's choice and the router share one match of the raw target per request.
  const edge = edgeRouter({ routes, chain: routeChain(deps, batchingFor) });
  return {
    name: 'gateway',
    env,
    dapr,
    publicEdge: true,
    bodyLimit: env.MAX_BODY,
    // Batches of records and model artifacts are larger than API calls.
    bodyLimits: [{ path: /^\/v1\/(ingest|registry)\//, limit: env.MAX_UPLOAD }],
    // Ready when it can serve: its sidecar (checked by service-kit) and its keys. An app that is down or
    // behind answers 503 on its own routes; it must not take the whole edge out of a load balancer.
    async ready() {
      return deps.auth.ready;
    },
    status: () => ({
      shedding: deps.shedding.snapshot(),
      event_streams: deps.events.open,
      infer_batching: Object.fromEntries([...batching].map(([app, b]) => [app, b.counts])),
    }),
    before: [shed({ shedding: deps.shedding, classOf: (req) => edge.routeOf(req)?.class })],
    // The data plane (routes forwarded to an app) skips Express; the gateway's own routes and the audited ones
    // stay on it (they read req.query, req.ip, or answer with res.json).
    lean: {
      takes: (req) => {
        const route = edge.routeOf(req);
        return route !== undefined && route.app !== EDGE_APP_ID && !route.audit && !route.public;
      },
      handler: edge.handler,
    },
    routes(app: Express) {
      app.use(edge.handler);
    },
  };
}

/** The hub's options from the env and the route table: each event type goes to the roles of the route that reads it. */
export function eventHubOptions(o: { env: GatewayEnv; sources: EventSources }): EventHubOptions {
  const rolesOf = (id: string) => {
    const route = EDGE_ROUTES.find((r) => r.id === id);
    if (!route) throw new Error(`the event stream reads ${id}, which is not a route`);
    return route.roles;
  };
  return {
    sources: o.sources,
    audience: {
      alert: rolesOf('monitor.alerts'),
      predictions: rolesOf('monitor.predictions'),
      run: rolesOf('training.runs'),
    },
    maxStreams: o.env.MAX_EVENT_STREAMS,
    maxStreamsPerSubject: o.env.MAX_EVENT_STREAMS_PER_SUBJECT,
    pollMs: o.env.EVENTS_POLL_MS,
  };
}

export async function start(env = bootEnv(gatewayEnv)): Promise<RunningService> {
  const dapr = DaprClient.fromEnv(env);
  const auth = createAuthenticator({ env, secrets: secretStoreKeys({ dapr, store: env.SECRET_STORE }) });
  const limiter = new RateLimiter({
    config: { rates: env.RATE_LIMITS, quotas: env.RATE_QUOTAS },
    store: new StateCounterStore({ dapr, store: env.STATE_STORE }),
    syncMs: env.RATE_LIMIT_SYNC_MS,
  });
  const audit = new AuditLog({ store: new StateAuditStore({ dapr, store: env.STATE_STORE }), mask: maskAuditRecord });
  const shedding = new Shedding({
    env,
    log: (s) =>
      rootLogger().info(
        { route_class: s.name, limit: s.limit, inflight: s.inflight, queued: s.queued, shed: s.shed },
        'concurrency limit',
      ),
  });
  const events = new EventHub(eventHubOptions({ env, sources: new DaprEventSources({ dapr }) }));
  const running = await runService(() => createApp({ env, dapr, auth, limiter, audit, shedding, events }), {
    name: 'gateway',
    env,
    onStop: async () => {
      auth.stop();
      await limiter.stop();
    },
  });
  // service-kit's stop waits for every connection to end before onStop, and a stream never ends on its own:
  // end them as the stop begins (its own signal handlers were registered first, so they run first).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => events.close());
  rootLogger().info(
    { rates: describePolicies(env.RATE_LIMITS), quotas: describePolicies(env.RATE_QUOTAS) },
    'rate limits',
  );
  auth.start();
  limiter.start();
  return {
    ...running,
    stop: () => {
      events.close();
      return running.stop();
    },
  };
}
