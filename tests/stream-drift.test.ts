import { beforeAll, describe, expect, it } from 'vitest';
import { Alert, DriftReport, RunStatus, type Role } from '@meridian/contracts';
import {
  SENSOR_ANOMALY_WINDOWED_MODEL_NAME,
  SENSOR_ANOMALY_WINDOWED_PARAMS,
  heldOutWindows,
  loadSensorReadings,
  mulberry32,
  sensorWindowSpec,
  shuffleInPlace,
  type SensorReading,
} from '@meridian/ml';
import { APPS_BUT_AGENTS, eventually, usePlatform } from './helpers/platform.ts';

const MODEL = SENSOR_ANOMALY_WINDOWED_MODEL_NAME;
const WINDOW = 300;
const spec = sensorWindowSpec(SENSOR_ANOMALY_WINDOWED_PARAMS.window, SENSOR_ANOMALY_WINDOWED_PARAMS.features);

/**
 * Held-out readings of the single-hop data (normal ones, their windows normal too), in a fixed
 * mixed order so that any 300 of them span every mote and the whole record; each with the five
 * readings its window looks at.
 */
function heldOutRuns(): { reading: SensorReading; past: SensorReading[] }[] {
  const runs = heldOutWindows(spec).filter((w) => w.reading.label === 0 && w.past.every((r) => r.label === 0));
  shuffleInPlace(runs as unknown as number[], mulberry32(11));
  return runs.slice(0, WINDOW);
}

/** A real seasonal change: motes 3 and 4 late in the record, when their temperature had fallen to about 23 °C. */
function coldReadings(): SensorReading[] {
  const cold = loadSensorReadings().filter(
    (r) => (r.moteId === 3 || r.moteId === 4) && r.reading > 4000 && r.label === 0,
  );
  return Array.from({ length: WINDOW }, (_, k) => cold[Math.floor((k * cold.length) / WINDOW)]!);
}

/**
 * Drift of the model that scores the sensor stream, through the gateway and the stream:
 * ingestion → pub/sub → features (windows, scoring) → inference → monitor. Every mote is new
 * to the run (shared stores keep other runs' motes), and the model version is trained by this
 * run, so on a shared registry its alerts and retraining runs are its own too.
 */
function streamDriftSuite(stack: string) {
  describe(`drift of ${MODEL} on the sensor stream, on ${stack}`, () => {
    // The seeded sensor-anomaly model only makes inference ready; the windowed model comes from the registry.
    // Drift reports are on the version serving: a 5 s canary keeps this run's version serving while the alert is read.
    const h = usePlatform(stack, {
      apps: APPS_BUT_AGENTS,
      env: { BOOTSTRAP_MODELS: '', DRIFT_WINDOW: `${WINDOW}`, CANARY_SECONDS: '5' },
    });
    const run = Date.now() % 1_000_000_000;
    const call = async (path: string, init: { body?: unknown; roles: Role[] }) => {
      const res = await h.gateway(path, {
        method: init.body === undefined ? 'GET' : 'POST',
        roles: init.roles,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: res.status, json: (await res.json()) as unknown };
    };
    const drift = async () => {
      const res = await call(`/v1/monitor/models/${MODEL}/drift`, { roles: ['predict'] });
      if (res.status !== 200) throw new Error(`drift report: ${res.status} ${JSON.stringify(res.json)}`);
      return DriftReport.parse(res.json);
    };
    const rowsSeen = (n: number) => eventually(drift, (r) => r.version === version && r.rows_seen >= n, 90_000);
    const ingest = async (records: { mote: number; reading: SensorReading }[]) => {
      const body = records.map(({ mote, reading }) => ({
        id: `${mote}-${reading.reading}`,
        mote_id: mote,
        humidity: reading.humidity,
        temperature: reading.temperature,
        ts: 1_700_000_000_000 + reading.reading * 30_000,
      }));
      const res = await call('/v1/ingest/sensor-readings', { roles: ['ingest'], body });
      expect(res.json).toEqual({ accepted: records.length, rejected: 0, duplicates: 0, rejections: [] });
    };
    const alertsOf = async (v: string) =>
      ((await call('/v1/monitor/alerts', { roles: ['predict'] })).json as unknown[])
        .map((a) => Alert.parse(a))
        .filter((a) => a.model === MODEL && a.version === v);
    let version = '';

    beforeAll(async () => {
      // This run's own version: trained, registered and promoted, then served.
      const started = await call('/v1/training/runs', { roles: ['admin'], body: { model: MODEL } });
      expect(started.status).toBe(202);
      const { id } = started.json as { id: string };
      const trained = await eventually(
        async () => RunStatus.parse((await call(`/v1/training/runs/${id}`, { roles: ['admin'] })).json),
        (r) => r.status === 'completed' || r.status === 'failed',
        120_000,
      );
      expect(trained).toMatchObject({ status: 'completed' });
      version = trained.version!;
      await eventually(
        () => call(`/v2/models/${MODEL}/versions/${version}/ready`, { roles: ['predict'] }),
        (r) => r.status === 200,
        60_000,
      );
    }, 240_000);

    it('when nothing has been scored yet, then the known model has an empty report, and a model the registry does not know has none', async () => {
      expect(await drift()).toMatchObject({
        version,
        rows_seen: 0,
        window_filled: false,
        provisional: true,
        features: [],
        drifted: false,
      });
      expect((await call('/v1/monitor/models/no-such-model/drift', { roles: ['predict'] })).status).toBe(404);
    });

    it('when new motes stream held-out readings with their past, some out of order, then no input drifts and no alert is raised', async () => {
      const runs = heldOutRuns().map((w, k) => ({ mote: run * 1000 + k, readings: [...w.past, w.reading] }));
      const round = (i: number) => runs.map((r) => ({ mote: r.mote, reading: r.readings[i]! }));
      // Half a window first: a provisional report on the rows so far.
      await ingest(round(0).slice(0, WINDOW / 2));
      const early = await rowsSeen(WINDOW / 2);
      expect(early).toMatchObject({ rows_seen: WINDOW / 2, window_filled: false, provisional: true });
      expect(early.features.map((f) => [f.name, f.rows, f.provisional]).sort()).toEqual([
        ['humidity', WINDOW / 2, true],
        ['temperature', WINDOW / 2, true],
      ]);
      await ingest(round(0).slice(WINDOW / 2));
      await rowsSeen(WINDOW);
      // One reading of every mote per request, each once the one before is in; the fourth and fifth past readings swapped.
      for (const [n, i] of [1, 2, 4, 3, 5].entries()) {
        await ingest(round(i));
        await rowsSeen(WINDOW * (n + 2));
      }
      const report = await drift();
      expect(report).toMatchObject({
        version,
        rows_seen: 6 * WINDOW,
        window_filled: true,
        provisional: false,
        drifted: false,
      });
      const features = Object.fromEntries(report.features.map((f) => [f.name, f]));
      expect(features.humidity).toMatchObject({ drifted: false, rows: WINDOW });
      expect(features.temperature).toMatchObject({ drifted: false, rows: WINDOW });
      // The window statistics compare the 300 held-out readings, whose windows were full; the warm-up rows stay out.
      expect(features.humidity_std_w5).toMatchObject({ drifted: false, rows: WINDOW, provisional: false });
      expect(report.features.filter((f) => f.drifted)).toEqual([]);
      expect(await alertsOf(version)).toEqual([]);
    }, 300_000);

    it('when the next window is cold readings of real motes, then temperature drifts, one alert is raised, and the retraining run it started completes', async () => {
      await ingest(coldReadings().map((reading, k) => ({ mote: run * 1000 + 500 + k, reading })));
      const alerts = await eventually(
        () => alertsOf(version),
        (a) => a.length > 0,
        60_000,
      );
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ model: MODEL, version, kind: 'drift', window: 6 });
      expect(JSON.stringify(alerts[0]!.evidence)).toContain('"temperature"');
      const report = await drift();
      expect(report).toMatchObject({ version, rows_seen: 7 * WINDOW });
      expect(report.features.find((f) => f.name === 'temperature')).toMatchObject({
        drifted: true,
        provisional: false,
      });
      expect(report.drifted).toBe(true);
      const retrained = await eventually(
        async () => RunStatus.parse((await call(`/v1/training/runs/${alerts[0]!.run_id}`, { roles: ['admin'] })).json),
        (r) => r.status === 'completed' || r.status === 'failed',
        180_000,
      );
      expect(retrained).toMatchObject({ model: MODEL, trigger: 'drift', status: 'completed' });
    }, 300_000);
  });
}

for (const stack of (process.env.STREAM_DRIFT_STACKS ?? 'local,redis').split(',')) streamDriftSuite(stack);
