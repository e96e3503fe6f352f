import { describe, expect, it } from 'vitest';
import type { PredictionEvent } from '@meridian/contracts';
import { createLogger, parseEnv } from '@meridian/service-kit';
import { closeAfterEach, inProcessEnv } from '@meridian/testkit';
import { monitorEnv } from '../env.ts';
import { monitorCard, serveMonitor } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
const env = parseEnv(monitorEnv, inProcessEnv({ app: 'the-monitor' }));
const card = monitorCard({ sample: [0.1, 0.9] });
const opened = closeAfterEach();

/** A monitor over fakes (registry: model m, version 1), served in-process, with helpers to call it. */
async function serve() {
  const { served, clock, ...monitor } = await serveMonitor({ env, card });
  const { call } = opened(served);
  /** A prediction event stamped `lagMs` before the monitor's clock. */
  const event = (id: string, o: { lagMs?: number; rowKeys?: string[] } = {}): PredictionEvent => ({
    id,
    model: 'm',
    version: '1',
    input_hash: id,
    rows: 1,
    inputs: { x: [0.2] },
    outputs: { p: [0.9] },
    latency_ms: 3,
    ts: new Date(clock.now() - (o.lagMs ?? 0)).toISOString(),
    ...(o.rowKeys ? { records: { keys: o.rowKeys, received_at: o.rowKeys.map(() => clock.now()) } } : {}),
  });
  /** One bulk delivery of the `predictions` topic, as the sidecar posts it; answers each entry's status. */
  const deliver = async (events: PredictionEvent[]): Promise<string[]> => {
    const entries = events.map((data, i) => ({
      entryId: `entry-${i}`,
      event: { specversion: '1.0', id: data.id, data },
    }));
    return (await call('POST', '/events/predictions', { entries })).body.statuses.map(
      (s: { status: string }) => s.status,
    );
  };
  return { ...monitor, clock, call, get: (path: string) => call('GET', path), event, deliver };
}

describe('the monitor in-process, over fakes', () => {
  it('when a prediction event is delivered twice, then it is counted once and its lag measured once', async () => {
    const m = await serve();
    expect(await m.deliver([m.event('twice')])).toEqual(['SUCCESS']);
    expect(await m.deliver([m.event('twice')])).toEqual(['SUCCESS']);
    expect((await m.get('/v1/monitor/predictions')).body).toEqual({ total: 1, models: { m: 1 } });
    expect((await m.get('/v1/monitor/predictions/twice')).body).toEqual({ id: 'twice', counted: true });
    expect((await m.get('/v1/monitor/predictions/never')).body).toEqual({ id: 'never', counted: false });
    expect((await m.get('/v1/monitor/pipeline')).body.predictions).toMatchObject({ events: 1, duplicates: 1 });
    // Copies within one delivered batch are recognised too.
    expect(await m.deliver([m.event('again'), m.event('again')])).toEqual(['SUCCESS', 'SUCCESS']);
    expect((await m.get('/v1/monitor/pipeline')).body.predictions).toMatchObject({ events: 2, duplicates: 2 });
  });

  it('when prediction events arrive late, then the pipeline answer reports their lag over the recent window, and nothing once it has passed', async () => {
    const m = await serve();
    await m.deliver([m.event('late-1', { lagMs: 400 }), m.event('late-2', { lagMs: 250 })]);
    const { status, body } = await m.get('/v1/monitor/pipeline');
    expect(status).toBe(200);
    expect(body).toMatchObject({ entities: 0, rows: 0, repeats: 0, lag_ms: { p50: null, p99: null, max: null } });
    expect(body.predictions).toMatchObject({
      events: 2,
      lag_ms: { max: 400, p99: 400, last: 250 },
      window_seconds: 300,
    });
    // The p50 comes from the histogram: the upper bound of 250 ms's bucket, within 10 %.
    expect(body.predictions.lag_ms.p50).toBeGreaterThanOrEqual(250);
    expect(body.predictions.lag_ms.p50).toBeLessThanOrEqual(275);
    m.clock.advance(301_000);
    expect((await m.get('/v1/monitor/pipeline')).body.predictions).toEqual({
      events: 0,
      duplicates: 0,
      lag_ms: { p50: null, p99: null, max: null, last: null },
      window_seconds: 300,
    });
  });

  it('when `entities` lists some, then only their rows are reported; when it is given twice, then 400 problem+json', async () => {
    const m = await serve();
    await m.deliver([m.event('stream', { rowKeys: ['3@1#1', '7@1#1', '9@1#1'] })]);
    expect((await m.get('/v1/monitor/pipeline')).body).toMatchObject({ entities: 3, rows: 3 });
    expect((await m.get('/v1/monitor/pipeline?entities=3,%207,')).body).toMatchObject({ entities: 2, rows: 2 });
    const bad = await m.get('/v1/monitor/pipeline?entities=3&entities=7');
    expect(bad.status).toBe(400);
    expect(bad.type).toMatch(/^application\/problem\+json/);
    expect(bad.body.detail).toMatch(/entities/);
  });

  it('when a model is unknown to the registry, then its drift is 404; a known one is 200 with the rows taken in', async () => {
    const m = await serve();
    expect((await m.get('/v1/monitor/models/unknown/drift')).status).toBe(404);
    await m.deliver([m.event('a'), m.event('b')]);
    const { status, body } = await m.get('/v1/monitor/models/m/drift');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      model: 'm',
      version: '1',
      rows_seen: 2,
      window_filled: false,
      features: [{ name: 'x', rows: 2, provisional: true }],
    });
  });

  it("when a model's quality window stays contended, then POST /v1/labels answers 503 and a label delivery is retried", async () => {
    const m = await serve();
    await m.deliver([m.event('labelled'), m.event('other')]);
    const save = m.state.saveManyIfUnchanged.bind(m.state);
    m.state.saveManyIfUnchanged = async (o) =>
      o.items.some((i) => i.key.startsWith('quality:')) ? new Set(o.items.map((i) => i.key)) : save(o);
    expect((await m.call('POST', '/v1/labels', [{ prediction_id: 'labelled:0', label: 1 }])).status).toBe(503);
    expect(
      (await m.call('POST', '/events/labels', { id: 'l-1', data: { prediction_id: 'other:0', label: 1 } })).body,
    ).toEqual({ status: 'RETRY' });
    // Once the window is free again, the same labels are joined, not taken for duplicates.
    m.state.saveManyIfUnchanged = save;
    expect((await m.call('POST', '/v1/labels', [{ prediction_id: 'labelled:0', label: 1 }])).body).toEqual({
      accepted: 1,
      duplicates: 0,
      unmatched: [],
    });
    expect(
      (await m.call('POST', '/events/labels', { id: 'l-1', data: { prediction_id: 'other:0', label: 1 } })).body,
    ).toEqual({ status: 'SUCCESS' });
    expect((await m.get('/v1/monitor/models/m/quality')).body).toMatchObject({ count: 2 });
  }, 30_000);
});
