import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ConsolePredictions, RunStatus } from '@meridian/contracts';
import { createLogger, type DaprClient } from '@meridian/service-kit';
import { EventHub } from '../domain/event-hub.ts';
import { Shedding } from '../domain/shedding.ts';
import type { GatewayDeps } from '../server.ts';
import { FakeEventSources, ManualTimers, alertOf, runOf } from '../testing/fakes.ts';
import { openStream, rawRequest } from '../testing/raw-http.ts';
import { gatewayTestEnv, serveGateway } from '../testing/serve.ts';
import { formatMessage } from './events.ts';

createLogger({ name: 'test', level: 'silent' });
const env = gatewayTestEnv({
  MAX_EVENT_STREAMS: '3',
  MAX_EVENT_STREAMS_PER_SUBJECT: '2',
  SHED_LIMITS: 'read=4,infer=4,ingest=4,admin=4,static=4',
});
const sources = new FakeEventSources();
const timers = new ManualTimers();
const hub = new EventHub({
  sources,
  audience: { alert: ['predict', 'admin'], predictions: ['predict', 'admin'], run: ['admin'] },
  maxStreams: env.MAX_EVENT_STREAMS,
  maxStreamsPerSubject: env.MAX_EVENT_STREAMS_PER_SUBJECT,
  pollMs: 1000,
  heartbeatMs: 15_000,
  later: timers.later,
});

/** The hub as the route sees it, telling the test when a stream has left (its connection closed). */
let onLeave: (() => void)[] = [];
const left = () => new Promise<void>((resolve) => onLeave.push(resolve));
const events: GatewayDeps['events'] = {
  get open() {
    return hub.open;
  },
  join(client) {
    const joined = hub.join(client);
    if ('refused' in joined) return joined;
    return {
      leave() {
        joined.leave();
        for (const done of onLeave.splice(0)) done();
      },
    };
  },
};
const shedding = new Shedding({ env });
const sidecar = { healthy: async () => true } as unknown as DaprClient;
const served = await serveGateway({ env, dapr: sidecar, shedding, events });
afterAll(() => served.close());
beforeEach(() => {
  onLeave = [];
  sources.counts = { total: 0, models: {} };
  sources.alertList = [];
  sources.runList = [];
});

const stream = (token?: string) => openStream({ port: served.port, path: '/v1/events', ...(token ? { token } : {}) });
/** Hangs up the streams and waits until the hub has let each of them go. */
const hangUp = async (...streams: { close(): void }[]) => {
  const remaining = hub.open - streams.length;
  for (const s of streams) s.close();
  while (hub.open > remaining) await left();
};

describe('GET /v1/events', () => {
  it('when there is no token, then 401; with an ingest-only token, then 403; no stream is opened', async () => {
    const anonymous = await stream();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(await anonymous.text())).toMatchObject({ code: 'UNAUTHENTICATED' });
    const ingest = await stream('ivy:ingest');
    expect(ingest.status).toBe(403);
    await ingest.text();
    expect(hub.open).toBe(0);
    expect(timers.waiting).toEqual([]);
  });

  it('when a reader connects, then it gets an event stream with the prediction counts, then each new alert once, and heartbeats', async () => {
    const s = await stream('ann:predict');
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toBe('no-cache, no-transform');
    sources.counts = { total: 5, models: { 'sensor-anomaly': 5 } };
    sources.alertList = [alertOf('before')];
    await timers.fire(1000);
    const counts = await s.next();
    expect(counts).toEqual({ event: 'predictions', data: { total: 5, per_model: { 'sensor-anomaly': 5 } } });
    expect(() => ConsolePredictions.parse((counts as { data: unknown }).data)).not.toThrow();
    sources.alertList = [alertOf('before'), alertOf('fresh')];
    await timers.fire(1000);
    await timers.fire(1000);
    expect(await s.next()).toEqual({ event: 'alert', data: alertOf('fresh') });
    await timers.fire(15_000);
    expect(await s.next((m) => 'comment' in m)).toEqual({ comment: 'heartbeat' });
    expect(s.messages.filter((m) => 'event' in m && m.event === 'alert')).toHaveLength(1);
    await hangUp(s);
  });

  it("when an admin and a reader are connected, then a run's change goes to the admin only", async () => {
    const [admin, reader] = [await stream('ada:admin'), await stream('ann:predict')];
    sources.runList = [runOf('run-1', 'running', [{ name: 'train', status: 'running' }])];
    await timers.fire(1000);
    const run = await admin.next((m) => 'event' in m && m.event === 'run');
    expect(RunStatus.parse((run as { data: unknown }).data).steps).toEqual([{ name: 'train', status: 'running' }]);
    await timers.fire(15_000);
    await reader.next((m) => 'comment' in m);
    expect(reader.messages.some((m) => 'event' in m && m.event === 'run')).toBe(false);
    await hangUp(admin, reader);
  });

  it('when a client hangs up, then it leaves the hub, and with the last one the poller stops', async () => {
    const [a, b] = [await stream('ann:predict'), await stream('bob:predict')];
    expect(hub.open).toBe(2);
    await hangUp(a);
    expect(hub.open).toBe(1);
    expect(timers.waiting.length).toBeGreaterThan(0);
    await hangUp(b);
    expect(hub.open).toBe(0);
    expect(timers.waiting).toEqual([]);
  });

  it('when the streams are at their bound, then 503; when one subject holds its share, then 429; no shedding slot is held', async () => {
    const first = [await stream('ann:predict'), await stream('ann:predict')];
    const third = await stream('ann:predict');
    expect(third.status).toBe(429);
    expect(await third.text()).toContain('event streams open');
    const bob = await stream('bob:predict');
    const full = await stream('cid:predict');
    expect(full.status).toBe(503);
    expect(full.headers['retry-after']).toBe('30');
    await full.text();
    expect(shedding.snapshot().every((c) => c.inflight === 0)).toBe(true);
    expect((await rawRequest({ port: served.port, method: 'GET', target: '/readyz' })).text).toContain(
      '"event_streams":3',
    );
    await hangUp(...first, bob);
  });

  it('when a message is written, then it is an SSE event with one data line, or a comment', () => {
    expect(formatMessage({ event: 'alert', data: alertOf('x\ny') })).toMatch(/^event: alert\ndata: \{[^\n]*\}\n\n$/);
    expect(formatMessage({ comment: 'heartbeat' })).toBe(': heartbeat\n\n');
  });
});
