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
import { secretStoreKeys } from './adapters/secret-store-keys.ts';
import { StateAuditStore } from './adapters/state-audit-store.ts';
import { StateCounterStore } from './adapters/state-counter-store.ts';
import { AuditLog } from './domain/audit-log.ts';
import { createAuthenticator, type Authenticator } from './domain/authenticator.ts';
import { RateLimiter } from './domain/rate-limiter.ts';
import { describePolicies } from './domain/rate-limits.ts';
import { Shedding } from './domain/shedding.ts';
import { gatewayEnv, type GatewayEnv } from './env.ts';
import { auditAction, auditList } from './routes/audit.ts';
import { requireRole } from './routes/auth.ts';
import { edgeRouter, routeOf, validateBody } from './routes/edge-router.ts';
import { forwardTo } from './routes/forward.ts';
import { rateLimit } from './routes/rate-limit.ts';
import { EDGE_ROUTES, type EdgeRoute } from './routes/route-table.ts';
import { shed } from './routes/shed.ts';

export interface GatewayDeps {
  env: GatewayEnv;
  dapr: DaprClient;
  auth: Authenticator;
  limiter: Pick<RateLimiter, 'check'>;
  audit: Pick<AuditLog, 'begin' | 'finish' | 'list'>;
  /** Concurrency limits per route class (load shedding). */
  shedding: Pick<Shedding, 'limitFor' | 'retryAfterSeconds' | 'snapshot'>;
  routes?: EdgeRoute[];
}

/** What a matched request runs through (its class's slot was taken before its body was read): token and role, the subject's limits, body, audit, then the app (or the gateway's own answer). */
function routeChain(deps: GatewayDeps): (route: EdgeRoute) => RequestHandler[] {
  const own: Record<string, RequestHandler> = { 'gateway.audit': auditList({ audit: deps.audit }) };
  return (route) => {
    const last = route.app === EDGE_APP_ID ? own[route.id] : forwardTo({ dapr: deps.dapr, appId: route.app });
    if (!last) throw new Error(`route ${route.id} is served by the gateway but has no handler`);
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
  const routeFor = routeOf(routes);
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
    status: () => ({ shedding: deps.shedding.snapshot() }),
    before: [shed({ shedding: deps.shedding, classOf: (req) => routeFor(req.method, req.originalUrl)?.class })],
    routes(app: Express) {
      app.use(edgeRouter({ routes, chain: routeChain(deps) }));
    },
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
  const running = await runService(() => createApp({ env, dapr, auth, limiter, audit, shedding }), {
    name: 'gateway',
    env,
    onStop: async () => {
      auth.stop();
      await limiter.stop();
    },
  });
  rootLogger().info(
    { rates: describePolicies(env.RATE_LIMITS), quotas: describePolicies(env.RATE_QUOTAS) },
    'rate limits',
  );
  auth.start();
  limiter.start();
  return running;
}
