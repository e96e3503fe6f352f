import {
  createServiceApp,
  parseEnv,
  sidecarResponse,
  type DaprClient,
  type ServiceDefinition,
  type SidecarResponse,
} from '@meridian/service-kit';
import { inProcessEnv, servedApp } from '@meridian/testkit';
import { DaprEventSources } from '../adapters/dapr-event-sources.ts';
import { AuditLog } from '../domain/audit-log.ts';
import { EventHub } from '../domain/event-hub.ts';
import { RateLimiter } from '../domain/rate-limiter.ts';
import { Shedding } from '../domain/shedding.ts';
import { gatewayEnv, type GatewayEnv } from '../env.ts';
import { createApp, eventHubOptions, type GatewayDeps } from '../server.ts';
import { bearerAuth } from './bearer-auth.ts';
import { MemoryStateStore, memoryAuditStore, memoryCounterStore } from './fakes.ts';

export { bearerAuth };

/** The env of the gateway's in-process tests: its tokens, silent logs, and `vars` on top. */
export const gatewayTestEnv = (vars: Record<string, string> = {}) =>
  parseEnv(gatewayEnv, { ...inProcessEnv({ app: 'the-gateway' }), ...vars });

/** What the sidecar answers for an invoked app: `body` as it came over the wire. */
export function invokeAnswer(o: { status: number; body: string; type?: string }): SidecarResponse {
  return sidecarResponse({
    status: o.status,
    headers: { 'content-type': o.type ?? 'application/json' },
    body: Buffer.from(o.body),
  });
}

/** The gateway's definition over `dapr` and in-memory state (rate counters, audit), verifying tokens with `bearerAuth`. */
export function testGateway(o: {
  env: GatewayEnv;
  dapr: DaprClient;
  shedding?: Shedding;
  events?: GatewayDeps['events'];
}): ServiceDefinition {
  const state = new MemoryStateStore();
  const limiter = new RateLimiter({
    config: { rates: o.env.RATE_LIMITS, quotas: o.env.RATE_QUOTAS },
    store: memoryCounterStore(state),
  });
  const audit = new AuditLog({ store: memoryAuditStore(state) });
  const shedding = o.shedding ?? new Shedding({ env: o.env });
  const events =
    o.events ?? new EventHub(eventHubOptions({ env: o.env, sources: new DaprEventSources({ dapr: o.dapr }) }));
  return createApp({ env: o.env, dapr: o.dapr, auth: bearerAuth, limiter, audit, shedding, events });
}

/** testGateway served in-process; it is the public edge, so no app token. The caller closes `served`. */
export async function serveGateway(o: Parameters<typeof testGateway>[0]) {
  return servedApp({ app: createServiceApp(testGateway(o)) });
}
