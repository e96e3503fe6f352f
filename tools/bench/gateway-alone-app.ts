// The gateway as bench:gateway-alone runs it: the real app (route table, rate limiter, shedding, spans,
// metrics, the lean lane) over a stand-in sidecar at 127.0.0.1:$UPSTREAM_PORT, with in-memory state and
// tokens "Bearer <subject>:<role>" (the real verifier caches a verified token, so a cached check is what
// it costs per request). GATEWAY_LANE=off serves every route through Express; INFER_BATCH_IN_FLIGHT as the gateway's. Prints its port, then serves
// until SIGTERM or SIGINT.
import { createServer } from 'node:http';
import {
  DaprClient,
  createLogger,
  createServiceApp,
  parseEnv,
  startTelemetry,
  type DaprClient as Dapr,
} from '@meridian/service-kit';
import { MemoryStateStore } from '@meridian/testkit/memory-state';
import { DaprEventSources } from '../../apps/gateway/src/adapters/dapr-event-sources.ts';
import { StateAuditStore } from '../../apps/gateway/src/adapters/state-audit-store.ts';
import { StateCounterStore } from '../../apps/gateway/src/adapters/state-counter-store.ts';
import { AuditLog } from '../../apps/gateway/src/domain/audit-log.ts';
import { EventHub } from '../../apps/gateway/src/domain/event-hub.ts';
import { RateLimiter } from '../../apps/gateway/src/domain/rate-limiter.ts';
import { Shedding } from '../../apps/gateway/src/domain/shedding.ts';
import { gatewayEnv } from '../../apps/gateway/src/env.ts';
import { bearerAuth } from '../../apps/gateway/src/testing/bearer-auth.ts';
import { createApp, eventHubOptions } from '../../apps/gateway/src/server.ts';

const env = parseEnv(gatewayEnv, {
  DAPR_API_TOKEN: 'dapr-token-of-the-bench-gateway',
  APP_API_TOKEN: 'app-token-of-the-bench-gateway',
  LOG_LEVEL: 'warn',
  RATE_LIMITS: 'infer:*=1000000/60s',
  ...(process.env.INFER_BATCH_IN_FLIGHT ? { INFER_BATCH_IN_FLIGHT: process.env.INFER_BATCH_IN_FLIGHT } : {}),
});
createLogger({ name: 'gateway', level: env.LOG_LEVEL });
const telemetry = startTelemetry({ serviceName: 'gateway' });
const dapr = new DaprClient({ httpPort: Number(process.env.UPSTREAM_PORT), apiToken: env.DAPR_API_TOKEN });
const state = new MemoryStateStore() as unknown as Dapr;
const definition = createApp({
  env,
  dapr,
  auth: bearerAuth,
  limiter: new RateLimiter({
    config: { rates: env.RATE_LIMITS, quotas: env.RATE_QUOTAS },
    store: new StateCounterStore({ dapr: state, store: 'statestore' }),
  }),
  audit: new AuditLog({ store: new StateAuditStore({ dapr: state, store: 'statestore' }) }),
  shedding: new Shedding({ env }),
  events: new EventHub(eventHubOptions({ env, sources: new DaprEventSources({ dapr }) })),
});
if (process.env.GATEWAY_LANE === 'off') delete definition.lean;
const server = createServer(createServiceApp(definition, telemetry).listener);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
