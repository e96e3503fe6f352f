import { describe, expect, it } from 'vitest';
import type { PredictionErrorEvent, PredictionEvent } from '@meridian/contracts';
import { createLogger, parseEnv } from '@meridian/service-kit';
import { closeAfterEach, inProcessEnv } from '@meridian/testkit';
import { monitorEnv } from '../env.ts';
import type { MemoryStateStore } from '../testing/fakes.ts';
import { loseNextDriftAnswer, monitorCard, serveMonitor } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
// Drift windows of 4 rows; SLOs over the latest 80 requests against p99 ≤ 100 ms and ≤ 10 % errors.
const env = parseEnv(monitorEnv, {
  ...inProcessEnv({ app: 'the-monitor' }),
  DRIFT_WINDOW: '4',
  SLO_WINDOW: '80',
  SLO_LATENCY_P99_MS: '100',
  SLO_ERROR_RATE: '0.1',
});
// Trained on x spread evenly either side of 0.5.
const card = monitorCard({ sample: [0.1, 0.3, 0.7, 0.9] });
const opened = closeAfterEach();

/** A monitor over fakes (registry: model m, version 1), served in-process; `state` carries on from an earlier one (a restart). */
async function serve(o: { state?: MemoryStateStore } = {}) {
  const { served, clock, ...monitor } = await serveMonitor({ env, card, ...o });
  const { call } = opened(served);
  const ts = () => new Date(clock.now()).toISOString();
  const prediction = (id: string, o: { x?: number; latencyMs?: number } = {}): PredictionEvent => ({
    id,
    model: 'm',
    version: '1',
    input_hash: id,
    rows: 1,
    inputs: { x: [o.x ?? 0.9] },
    outputs: { p: [0.5] },
    latency_ms: o.latencyMs ?? 3,
    ts: ts(),
  });
  const failure = (id: string): PredictionErrorEvent => ({
    id,
    model: 'm',
    version: '1',
    rows: 1,
    latency_ms: 2,
    error: 'INTERNAL',
    ts: ts(),
  });
  /** One bulk delivery of a topic, as the sidecar posts it. */
  const deliver = async (route: string, events: unknown[]) => {
    clock.advance(1000);
    const entries = events.map((data, i) => ({
      entryId: `entry-${i}`,
      event: { specversion: '1.0', id: `ce-${i}`, data },
    }));
    expect((await call('POST', route, { entries })).status).toBe(200);
  };
  return {
    ...monitor,
    call,
    prediction,
    failure,
    predictions: (events: PredictionEvent[]) => deliver('/events/predictions', events),
    errors: (events: PredictionErrorEvent[]) => deliver('/events/prediction-errors', events),
    alerts: async () => ((await call('GET', '/v1/monitor/alerts')).body as { id: string }[]).map((a) => a.id),
  };
}

/** Four rows of x = 0.9: a window all on one side of the reference, so it drifts. */
const drifting = (m: Awaited<ReturnType<typeof serve>>, from: number) =>
  Array.from({ length: 4 }, (_, i) => m.prediction(`p${from + i}`));

describe("the monitor's SLOs and alerts, in process", () => {
  it('when the p99 latency of answered requests passes its objective, then the SLO report says the latency objective is breached', async () => {
    const m = await serve();
    await m.predictions(Array.from({ length: 9 }, (_, i) => m.prediction(`fast-${i}`)));
    expect((await m.call('GET', '/v1/monitor/models/m/slo')).body.met).toEqual({
      latency_p99: true,
      error_rate: true,
      all: true,
    });
    await m.predictions([m.prediction('slow', { latencyMs: 900 })]);
    const { status, body } = await m.call('GET', '/v1/monitor/models/m/slo');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      latency_ms: { p99: 900 },
      error_rate: 0,
      met: { latency_p99: false, error_rate: true, all: false },
    });
  });

  it('when more than the allowed share of requests failed, then the SLO report says the error objective is breached', async () => {
    const m = await serve();
    await m.predictions(Array.from({ length: 8 }, (_, i) => m.prediction(`ok-${i}`)));
    await m.errors([m.failure('e1'), m.failure('e2')]);
    const { body } = await m.call('GET', '/v1/monitor/models/m/slo');
    expect(body).toMatchObject({
      window: { requests: 10 },
      error_rate: 0.2,
      met: { latency_p99: true, error_rate: false, all: false },
    });
  });

  it('when a second window drifts too, then a second alert is raised for that window, not the first one again', async () => {
    const m = await serve();
    await m.predictions(drifting(m, 0));
    expect(await m.alerts()).toEqual(['m-drift-v1-w0']);
    await m.predictions(drifting(m, 4));
    expect(await m.alerts()).toEqual(['m-drift-v1-w0', 'm-drift-v1-w1']);
    expect(m.publisher.sent.map((s) => [s.topic, (s.data as { window: string }).window])).toEqual([
      ['model.drift-detected', '0'],
      ['model.drift-detected', '1'],
    ]);
  });

  it("when the store's answer to the write that fills a window is lost, then the redelivery judges that window and its alert is raised once", async () => {
    const m = await serve();
    const events = drifting(m, 0);
    await m.predictions(events.slice(0, 3));
    // The write lands, its answer does not: the batch is retried, and finds its events in the window already.
    loseNextDriftAnswer(m.state);
    const entries = [{ entryId: 'e', event: { specversion: '1.0', id: 'ce', data: events[3] } }];
    expect((await m.call('POST', '/events/predictions', { entries })).body.statuses).toEqual([
      { entryId: 'e', status: 'RETRY' },
    ]);
    expect(await m.alerts()).toEqual([]);
    await m.predictions([events[3]!]);
    expect(await m.alerts()).toEqual(['m-drift-v1-w0']);
    await m.predictions([events[3]!]);
    expect(m.publisher.sent).toHaveLength(1);
  });

  it('when the monitor restarts over the same state store, then a window already alerted is not alerted again, and the next window still is', async () => {
    const first = await serve();
    await first.predictions(drifting(first, 0));
    expect(first.publisher.sent).toHaveLength(1);
    const [raised] = await first.domain.alerts.list();

    const again = await serve({ state: first.state });
    // The same window judged again by the restarted monitor (a redelivery of its events, and the alert itself).
    await again.predictions(drifting(again, 0));
    const { id: _id, run_id: _run, created_at: _at, ...window0 } = raised!;
    expect(await again.domain.alerts.raise(window0)).toBeUndefined();
    expect(again.publisher.sent).toEqual([]);
    expect(await again.alerts()).toEqual(['m-drift-v1-w0']);

    await again.predictions(drifting(again, 4));
    expect(await again.alerts()).toEqual(['m-drift-v1-w0', 'm-drift-v1-w1']);
    expect(again.publisher.sent).toHaveLength(1);
  });
});
