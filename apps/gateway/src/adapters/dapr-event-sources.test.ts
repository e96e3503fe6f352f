import { describe, expect, it } from 'vitest';
import type { InvokeOptions } from '@meridian/service-kit';
import { EDGE_ROUTES } from '../routes/route-table.ts';
import { alertOf, runOf } from '../testing/fakes.ts';
import { invokeAnswer } from '../testing/serve.ts';
import { DaprEventSources, WATCHED_RUNS } from './dapr-event-sources.ts';

/** A sidecar answering each app path with the body given for it. */
function sidecar(bodies: Record<string, unknown>) {
  const calls: InvokeOptions[] = [];
  return {
    calls,
    dapr: {
      async invoke(o: InvokeOptions) {
        calls.push(o);
        const path = o.method.split('?')[0]!;
        return invokeAnswer({ status: 200, body: JSON.stringify(bodies[path]) });
      },
    },
  };
}

describe('the event sources through Dapr', () => {
  it('when they are read, then each call is a GET of a route the table forwards to that app (so the ACL grants it), as the gateway', async () => {
    const { calls, dapr } = sidecar({
      'v1/monitor/alerts': [alertOf('a-1')],
      'v1/monitor/predictions': { total: 2, models: { spam: 2 } },
      'v1/training/runs': { runs: [runOf('run-1')] },
    });
    const sources = new DaprEventSources({ dapr });
    expect(await sources.alerts()).toEqual([alertOf('a-1')]);
    expect(await sources.predictions()).toEqual({ total: 2, models: { spam: 2 } });
    expect(await sources.runs()).toEqual([runOf('run-1')]);
    expect(calls.map((c) => c.method)).toEqual([
      'v1/monitor/alerts',
      'v1/monitor/predictions',
      `v1/training/runs?limit=${WATCHED_RUNS}`,
    ]);
    for (const call of calls) {
      const path = `/${call.method.split('?')[0]}`;
      const route = EDGE_ROUTES.find((r) => r.app === call.appId && r.method === 'GET' && r.path === path);
      expect(route, `${call.appId} ${path}`).toBeDefined();
      expect(call.httpMethod ?? 'GET').toBe('GET');
      // No caller's subject: the poller reads as the gateway itself, for every client at once.
      expect(call.headers?.['x-meridian-subject']).toBeUndefined();
    }
  });

  it('when an app answers a body of another shape, then the read fails as a bad gateway instead of passing it on', async () => {
    const { dapr } = sidecar({ 'v1/monitor/predictions': { total: 'many' } });
    await expect(new DaprEventSources({ dapr }).predictions()).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
  });
});
