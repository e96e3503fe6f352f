import { beforeAll, describe, expect, it } from 'vitest';
import type { Alert, PredictionEvent } from '@meridian/contracts';
import {
  SENSOR_ANOMALY_OUTPUT,
  heldOutWindows,
  loadSensorReadings,
  mulberry32,
  predictProba,
  shuffleInPlace,
  streamRowKey,
  trainSensorAnomalyWindowed,
  windowFeatureNames,
  windowFeatures,
  type SensorAnomalyWindowed,
  type SensorReading,
} from '@meridian/ml';
import type { Alerts } from './alerts.ts';
import { DriftHistoryLog } from './drift-history.ts';
import { DriftMonitor } from './drift-monitor.ts';
import type { ModelCards } from './ports.ts';
import { MemoryStateStore } from '../testing/fakes.ts';

const MODEL = 'sensor-anomaly-windowed';
const SIZE = 300;
let trained: SensorAnomalyWindowed;
let names: string[];
/** Held-out readings with their windows, normal ones, in a fixed mixed order (any run of them spans the whole data). */
let runs: { reading: SensorReading; past: SensorReading[] }[];

beforeAll(() => {
  trained = trainSensorAnomalyWindowed();
  names = windowFeatureNames(trained.spec);
  runs = heldOutWindows(trained.spec).filter((w) => w.reading.label === 0 && w.past.every((r) => r.label === 0));
  shuffleInPlace(runs as unknown as number[], mulberry32(11));
});

function monitor(card: Record<string, unknown> | undefined = trained.metadata as unknown as Record<string, unknown>) {
  const raised: Omit<Alert, 'id' | 'run_id' | 'created_at'>[] = [];
  const cards: Pick<ModelCards, 'card' | 'currentVersion'> & { down: boolean } = {
    down: false,
    async card(model, version) {
      if (this.down) throw new Error('registry answered 503');
      return model === MODEL && (version === '1' || version === '2') ? card : undefined;
    },
    async currentVersion(model) {
      return model === MODEL ? '1' : undefined;
    },
  };
  const alerts = { raise: async (a: (typeof raised)[number]) => void raised.push(a) } as unknown as Alerts;
  const state = new MemoryStateStore();
  const drift = new DriftMonitor({
    state,
    store: 's',
    cards,
    alerts,
    windowSize: SIZE,
    thresholds: { psi: 0.2, ks_p_value: 0.01 },
    history: new DriftHistoryLog({ state, store: 's', max: 100 }),
  });
  return { drift, raised, cards };
}

/**
 * What the features app sends for one delivery: each reading scored against the readings of its
 * mote that arrived before and are earlier in time (its window), under the row key of its arrival.
 */
class Stream {
  private readonly arrived = new Map<string, SensorReading[]>();
  private deliveries = 0;

  deliver(readings: { mote: string; reading: SensorReading }[]): PredictionEvent {
    const rows = readings.map(({ mote, reading }) => {
      const seen = this.arrived.get(mote) ?? [];
      const past = seen
        .filter((r) => r.reading < reading.reading)
        .sort((a, b) => a.reading - b.reading)
        .slice(-trained.spec.window);
      this.arrived.set(mote, [...seen, reading]);
      return { key: streamRowKey(mote, 1, seen.length + 1), values: windowFeatures(trained.spec, past, reading) };
    });
    const scores = predictProba(
      trained.model,
      rows.map((r) => r.values),
    );
    return {
      id: `delivery-${++this.deliveries}`,
      model: MODEL,
      version: '1',
      input_hash: 'h',
      rows: rows.length,
      latency_ms: 1,
      ts: new Date().toISOString(),
      inputs: Object.fromEntries(names.map((n, j) => [n, rows.map((r) => r.values[j]!)])),
      outputs: { [SENSOR_ANOMALY_OUTPUT]: scores },
      records: { keys: rows.map((r) => r.key), received_at: rows.map(() => 0) },
    };
  }
}

/**
 * SIZE new motes, each sent one held-out reading and the five before it, a reading of every
 * mote per delivery: five deliveries of warm-up rows, then the held-out readings. The fourth
 * and fifth past readings arrive in reverse order, in separate deliveries.
 */
function heldOutStream(stream: Stream, from = 0): PredictionEvent[] {
  const batch = runs
    .slice(from, from + SIZE)
    .map((w, k) => ({ mote: `mote-${from + k}`, readings: [...w.past, w.reading] }));
  return [0, 1, 2, 4, 3, 5].map((i) => stream.deliver(batch.map((b) => ({ mote: b.mote, reading: b.readings[i]! }))));
}

const observe = async (drift: DriftMonitor, events: PredictionEvent[]) => {
  for (const e of events) expect(await drift.observeMany([e])).toEqual(new Set());
};

describe('drift of the windowed sensor model on its stream', () => {
  it('when new motes stream held-out readings with their past, some out of order, then nothing drifts: window statistics count only rows past the warm-up', async () => {
    const { drift, raised } = monitor();
    await observe(drift, heldOutStream(new Stream()));
    const report = (await drift.report(MODEL))!;
    expect(report).toMatchObject({ rows_seen: 6 * SIZE, window_filled: true, provisional: false, drifted: false });
    expect(report.features.map((f) => f.name).sort()).toEqual([...names, SENSOR_ANOMALY_OUTPUT].sort());
    // Raw inputs take every row; the statistics and the score only the held-out readings, whose windows are full.
    expect(Object.fromEntries(report.features.map((f) => [f.name, f.rows]))).toMatchObject({
      humidity: SIZE,
      humidity_std_w5: SIZE,
      [SENSOR_ANOMALY_OUTPUT]: SIZE,
    });
    expect(report.features.filter((f) => f.drifted)).toEqual([]);
    expect(raised).toEqual([]);
  });

  it('when motes stream one after another, then the window statistics compare the held-out readings only; counting warm-up rows too (a card without the window), they would look drifted', async () => {
    // 50 new motes per delivery, each with its five past readings and the held-out one: five in six rows warm up.
    const moteByMote = (stream: Stream) =>
      Array.from({ length: SIZE / 50 }, (_, d) =>
        stream.deliver(
          runs
            .slice(d * 50, (d + 1) * 50)
            .flatMap((w, k) => [...w.past, w.reading].map((reading) => ({ mote: `mote-${d * 50 + k}`, reading }))),
        ),
      );
    const { drift } = monitor();
    await observe(drift, moteByMote(new Stream()));
    const report = (await drift.report(MODEL))!;
    // (The raw columns' latest 300 rows are six readings each of the last 50 motes: 50 places in the record, narrower than the data.)
    const windowColumns = report.features.filter((f) => f.name !== 'humidity' && f.name !== 'temperature');
    expect(windowColumns.map((f) => [f.name, f.rows, f.drifted])).toEqual(
      [...names.slice(2), SENSOR_ANOMALY_OUTPUT].map((n) => [n, SIZE, false]),
    );

    const { online_features: _, ...noWindow } = trained.metadata;
    const counted = monitor(noWindow as unknown as Record<string, unknown>).drift;
    await observe(counted, moteByMote(new Stream()));
    const misread = (await counted.report(MODEL))!;
    expect(misread.features.filter((f) => f.drifted).map((f) => f.name)).toEqual(
      expect.arrayContaining(['humidity_std_w5', 'temperature_std_w5']),
    );
  });

  it('when the next window is cold readings of real motes (3 and 4, late in the record), then temperature drifts and one alert is raised for that window', async () => {
    const { drift, raised } = monitor();
    const stream = new Stream();
    await observe(drift, heldOutStream(stream));
    const cold = loadSensorReadings().filter(
      (r) => (r.moteId === 3 || r.moteId === 4) && r.reading > 4000 && r.label === 0,
    );
    const picked = Array.from({ length: SIZE }, (_, k) => cold[Math.floor((k * cold.length) / SIZE)]!);
    await observe(drift, [stream.deliver(picked.map((reading, k) => ({ mote: `cold-${k}`, reading })))]);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ model: MODEL, version: '1', kind: 'drift', window: 6 });
    expect(JSON.stringify(raised[0]!.evidence)).toContain('"temperature"');
    // Every window that closed is in the history, one per delivery here; the last one as the alert judged it.
    const history = (await drift.history(MODEL))!;
    expect(history.windows.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(history.windows.at(-1)).toMatchObject({ index: 6, rows: SIZE, drifted: true });
    expect(history.windows.at(-1)!.features.find((f) => f.name === 'temperature')).toMatchObject({ drifted: true });
    expect(history.windows.slice(0, -1).map((w) => w.drifted)).not.toContain(true);
  });

  it('while the first window fills, then the report is provisional with the rows so far; before any row it is empty; an unknown model has none', async () => {
    const { drift } = monitor();
    expect(await drift.report(MODEL)).toMatchObject({
      version: '1',
      rows_seen: 0,
      window_filled: false,
      provisional: true,
      features: [],
      drifted: false,
    });
    await observe(drift, heldOutStream(new Stream()).slice(0, 1));
    const report = (await drift.report(MODEL))!;
    // Only warm-up rows so far: the raw inputs are full, the window statistics have no row yet, so the report stays provisional.
    expect(report).toMatchObject({
      rows_seen: SIZE,
      window: { rows: SIZE, size: SIZE, index: 0, seen: SIZE },
      window_filled: true,
      provisional: true,
    });
    expect(report.features.map((f) => [f.name, f.provisional]).sort()).toEqual([
      ['humidity', false],
      ['temperature', false],
    ]);
    const half = monitor().drift;
    await half.observeMany([
      new Stream().deliver(runs.slice(0, 100).map((w, k) => ({ mote: `m${k}`, reading: w.reading }))),
    ]);
    expect(await half.report(MODEL)).toMatchObject({
      rows_seen: 100,
      window_filled: false,
      provisional: true,
      features: expect.arrayContaining([expect.objectContaining({ name: 'humidity', rows: 100, provisional: true })]),
    });
    expect(await drift.report('no-such-model')).toBeUndefined();
  });

  it("when the version's card turns drift monitoring off, then the report says why and compares nothing", async () => {
    const { reference: _, ...card } = trained.metadata;
    const { drift } = monitor({ ...card, drift_monitoring: { enabled: false, reason: 'replaced next week' } });
    await observe(drift, heldOutStream(new Stream()).slice(0, 1));
    expect(await drift.report(MODEL)).toMatchObject({
      rows_seen: SIZE,
      features: [],
      drifted: false,
      not_monitored: 'replaced next week',
    });
  });

  it("when a canary serves beside the champion, then each version's rows go to its own window, reported by version", async () => {
    const { drift } = monitor();
    const [first, second] = heldOutStream(new Stream());
    await observe(drift, [first!, { ...second!, version: '2' }]);
    expect((await drift.report(MODEL))!).toMatchObject({ version: '1', rows_seen: SIZE });
    expect((await drift.report(MODEL, '2'))!).toMatchObject({ version: '2', rows_seen: SIZE });
    expect(await drift.report(MODEL, '3')).toBeUndefined();
  });

  it('when the registry cannot be read for a new version, then its events are taken (not retried) but left out of the window', async () => {
    const { drift, cards } = monitor();
    const [first, second] = heldOutStream(new Stream());
    cards.down = true;
    expect(await drift.observeMany([first!])).toEqual(new Set());
    cards.down = false;
    expect(await drift.observeMany([second!])).toEqual(new Set());
    expect((await drift.report(MODEL))!.rows_seen).toBe(SIZE);
  });
});
