import { describe, expect, it } from 'vitest';
import { DriftHistory, DriftReport, type PredictionEvent } from '@meridian/contracts';
import { createLogger, parseEnv } from '@meridian/service-kit';
import { closeAfterEach, inProcessEnv } from '@meridian/testkit';
import { monitorEnv } from '../env.ts';
import { loseNextDriftAnswer, monitorCard, serveMonitor } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
// Drift windows of 4 rows; the history keeps the latest 3.
const env = parseEnv(monitorEnv, {
  ...inProcessEnv({ app: 'the-monitor' }),
  DRIFT_WINDOW: '4',
  DRIFT_HISTORY_WINDOWS: '3',
});
// Trained on x spread evenly either side of 0.5 (bins: x <= 0.5, x > 0.5, half the rows each).
const card = monitorCard({ sample: [0.1, 0.3, 0.7, 0.9] });
const opened = closeAfterEach();

async function serve() {
  const { served, clock, ...monitor } = await serveMonitor({ env, card });
  const { call } = opened(served);
  const prediction = (id: string, x: number): PredictionEvent => ({
    id,
    model: 'm',
    version: '1',
    input_hash: id,
    rows: 1,
    inputs: { x: [x] },
    outputs: { p: [0.5] },
    latency_ms: 3,
    ts: new Date(clock.now()).toISOString(),
  });
  /** One window's rows: like training (x on both sides of 0.5), or all above it (drifted). */
  const window = (k: number, o: { drifting: boolean }) =>
    [0.1, 0.3, 0.7, 0.9].map((x, i) => prediction(`w${k}-${i}`, o.drifting ? 0.9 : x));
  /** One bulk delivery of the predictions topic, a minute after the last; answers each entry's status. */
  const deliver = async (events: PredictionEvent[]) => {
    clock.advance(60_000);
    const entries = events.map((data, i) => ({ entryId: `e${i}`, event: { specversion: '1.0', id: data.id, data } }));
    return (await call('POST', '/events/predictions', { entries })).body.statuses.map(
      (s: { status: string }) => s.status,
    );
  };
  const history = async (query = '') => {
    const { status, body } = await call('GET', `/v1/monitor/models/m/drift/history${query}`);
    expect(status).toBe(200);
    return DriftHistory.parse(body);
  };
  return { ...monitor, clock, call, window, deliver, history };
}

describe('GET /v1/monitor/models/{model}/drift/history, in process', () => {
  it('when windows close, then each one is kept in order with its statistics, when it closed and whether it drifted', async () => {
    const m = await serve();
    expect(await m.history()).toEqual({
      model: 'm',
      version: '1',
      thresholds: { psi: 0.2, ks_p_value: 0.01 },
      windows: [],
    });
    await m.deliver(m.window(0, { drifting: false }));
    const closedFirst = new Date(m.clock.now()).toISOString();
    await m.deliver(m.window(1, { drifting: true }));
    const { windows } = await m.history('?version=1');
    expect(windows.map((w) => [w.index, w.rows, w.drifted])).toEqual([
      [0, 4, false],
      [1, 4, true],
    ]);
    expect(windows[0]!.closed_at).toBe(closedFirst);
    expect(windows[1]!.features.find((f) => f.name === 'x')).toMatchObject({ kind: 'input', drifted: true });
    // The same verdict as the alert the window raised.
    expect((await m.domain.alerts.list()).map((a) => a.window)).toEqual([1]);
  });

  it('when more windows close than DRIFT_HISTORY_WINDOWS, then only the latest are kept, oldest first', async () => {
    const m = await serve();
    for (const k of [0, 1, 2, 3, 4]) await m.deliver(m.window(k, { drifting: k % 2 === 1 }));
    expect((await m.history()).windows.map((w) => [w.index, w.drifted])).toEqual([
      [2, false],
      [3, true],
      [4, false],
    ]);
  });

  it('when the events that closed a window are delivered again, then the window is kept once', async () => {
    const m = await serve();
    const first = m.window(0, { drifting: false });
    await m.deliver(first);
    await m.deliver(first);
    await m.deliver(first.slice(3));
    expect((await m.history()).windows.map((w) => w.index)).toEqual([0]);
  });

  it("when the store's answer to the write that fills a window is lost, then the retried delivery keeps the window once", async () => {
    const m = await serve();
    const events = m.window(0, { drifting: true });
    await m.deliver(events.slice(0, 3));
    loseNextDriftAnswer(m.state);
    expect(await m.deliver(events.slice(3))).toEqual(['RETRY']);
    expect((await m.history()).windows).toEqual([]);
    expect(await m.deliver(events.slice(3))).toEqual(['SUCCESS']);
    expect(await m.deliver(events.slice(3))).toEqual(['SUCCESS']);
    expect((await m.history()).windows.map((w) => [w.index, w.drifted])).toEqual([[0, true]]);
  });

  it("when one delivery closes a window and starts the next, then the window is judged on its own rows, not the next one's", async () => {
    const m = await serve();
    // Window 0 like training, then half of a drifting window 1, all in one delivery.
    await m.deliver([...m.window(0, { drifting: false }), ...m.window(1, { drifting: true }).slice(0, 2)]);
    expect((await m.history()).windows.map((w) => [w.index, w.rows, w.drifted])).toEqual([[0, 4, false]]);
    expect(await m.domain.alerts.list()).toEqual([]);
  });

  it("when the answer to the write that closed a window is lost and the next window's rows land first, then the retry records the verdict the window closed with", async () => {
    const m = await serve();
    const first = m.window(0, { drifting: false });
    await m.deliver(first.slice(0, 3));
    loseNextDriftAnswer(m.state);
    expect(await m.deliver(first.slice(3))).toEqual(['RETRY']);
    // Drifting rows of window 1 arrive before the retry: the latest four values would now look drifted.
    expect(await m.deliver(m.window(1, { drifting: true }).slice(0, 2))).toEqual(['SUCCESS', 'SUCCESS']);
    expect(await m.deliver(first.slice(3))).toEqual(['SUCCESS']);
    expect((await m.history()).windows.map((w) => [w.index, w.rows, w.drifted])).toEqual([[0, 4, false]]);
    expect(await m.domain.alerts.list()).toEqual([]);
  });

  it('when the model or the version is unknown to the registry, then 404 problem+json; a bad version is 400', async () => {
    const m = await serve();
    for (const path of ['/v1/monitor/models/unknown/drift/history', '/v1/monitor/models/m/drift/history?version=7']) {
      const { status, type, body } = await m.call('GET', path);
      expect(status).toBe(404);
      expect(type).toMatch(/^application\/problem\+json/);
      expect(body.detail).toMatch(/registry does not know/);
    }
    expect((await m.call('GET', '/v1/monitor/models/m/drift/history?version=abc')).status).toBe(400);
  });
});

describe('GET /v1/monitor/models/{model}/drift histograms, in process', () => {
  it("when a window is filling, then each input with bins carries training and live shares on the reference's bins", async () => {
    const m = await serve();
    await m.deliver([...m.window(0, { drifting: false }).slice(0, 3)]);
    const report = DriftReport.parse((await m.call('GET', '/v1/monitor/models/m/drift')).body);
    const x = report.features.find((f) => f.name === 'x')!;
    // Rows 0.1, 0.3 (x <= 0.5) and 0.7 (x > 0.5).
    expect(x.histogram).toEqual({ edges: [0.5], training: [0.5, 0.5], live: [2 / 3, 1 / 3] });
    expect(x.histogram!.live.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
