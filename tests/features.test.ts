import { describe, expect, it } from 'vitest';
import { InferResponse, OnlineFeatures, PipelineReport, RunStatus } from '@meridian/contracts';
import {
  SENSOR_ANOMALY_WINDOWED_MODEL_NAME,
  SENSOR_ANOMALY_WINDOWED_PARAMS,
  loadSensorReadings,
  sensorWindowSpec,
  windowFeatureNames,
  windowFeatures,
} from '@meridian/ml';
import { ensureWindowedModel } from '@meridian/platform';
import { APPS_BUT_AGENTS, describeSideBySide, eventually, ingestReadings, usePlatform } from './helpers/platform.ts';

const MODEL = SENSOR_ANOMALY_WINDOWED_MODEL_NAME;
const spec = sensorWindowSpec(SENSOR_ANOMALY_WINDOWED_PARAMS.window, SENSOR_ANOMALY_WINDOWED_PARAMS.features);

/** Mote `m`'s reading `i`: 30 s apart, its id unique to the mote and the index. */
const reading = (m: number, i: number) => ({
  id: `${m}-${i}`,
  mote_id: m,
  humidity: 40 + (i % 7),
  temperature: 20 + i / 10,
  ts: 1_700_000_000_000 + i * 30_000,
});

/**
 * Readings through the whole stream: ingestion → pub/sub → features (online
 * state, offline log, scoring) → inference → monitor. Motes are unique to
 * the run, so shared stores hold nothing of theirs beforehand.
 */
function streamSuite(stack: string) {
  describe(`online features and streaming scoring on ${stack}`, () => {
    const h = usePlatform(stack, { prepare: ensureWindowedModel, apps: APPS_BUT_AGENTS });
    const run = Date.now() % 1_000_000_000;
    const mote = (i: number) => run * 100 + i;
    const ingest = (records: unknown[]) => ingestReadings(h, records);
    const online = async (m: number, query = '') => {
      const res = await h.gateway(`/v1/features/sensor/${m}${query}`, { roles: ['predict'] });
      if (res.status !== 200) throw new Error(`online features of ${m}: ${res.status}`);
      return OnlineFeatures.parse(await res.json());
    };
    const pipeline = async (motes: number[]) =>
      PipelineReport.parse(
        await (await h.gateway(`/v1/monitor/pipeline?entities=${motes.join(',')}`, { roles: ['predict'] })).json(),
      );

    // First in the file: on a fresh platform nothing has been logged (the windowed model's bootstrap training reads this).
    it('when nothing has been scored yet, then the offline feature log reads as empty, not as an error', async () => {
      const res = await h.gateway('/v1/features/offline', { roles: ['admin'] });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { rows: unknown[] }).rows).toEqual([]);
    });

    it('when readings are ingested, then each mote has its rolling-window features, computed as training computes them', async () => {
      const m = mote(1);
      const readings = Array.from({ length: 12 }, (_, i) => reading(m, i));
      expect((await ingest(readings)).json).toEqual({ accepted: 12, rejected: 0, duplicates: 0, rejections: [] });
      const got = await eventually(
        () => online(m),
        (f) => f.readings_applied === 12,
      );
      expect(got.readings_applied).toBe(12);
      expect(got.names).toEqual(windowFeatureNames(spec));
      const asTraining = windowFeatures(
        spec,
        readings.slice(-1 - spec.window, -1).map((r) => ({ humidity: r.humidity, temperature: r.temperature })),
        readings.at(-1)!,
      );
      got.values.forEach((v, i) => expect(v).toBeCloseTo(asTraining[i]!, 9));
      // Another window, and a time window of 65 s (the two readings before the latest, 30 s apart).
      const w2 = await online(m, '?window=2&stats=mean');
      expect(w2.names).toEqual(['humidity', 'temperature', 'humidity_mean_w2', 'temperature_mean_w2']);
      const timed = await online(m, '?seconds=65');
      expect(timed.values).toEqual(windowFeatures(spec, readings.slice(-3, -1), readings.at(-1)!));
    });

    it('when every reading has been scored, then the monitor counts each one once, and the offline log holds the values it was scored with', async () => {
      const m = mote(2);
      const readings = Array.from({ length: 30 }, (_, i) => reading(m, i));
      await ingest(readings.slice(0, 20));
      // A retried batch overlapping the first: duplicates at ingestion, nothing new downstream.
      expect((await ingest(readings.slice(10, 20))).json).toEqual({
        accepted: 0,
        rejected: 0,
        duplicates: 10,
        rejections: [],
      });
      // Then one reading at a time, each once the one before is applied, so each row's past is known exactly.
      await eventually(
        () => online(m),
        (f) => f.readings_applied === 20,
      );
      for (let i = 20; i < 30; i++) {
        await ingest([readings[i]]);
        await eventually(
          () => online(m),
          (f) => f.readings_applied === i + 1,
        );
      }
      const report = await eventually(
        () => pipeline([m]),
        (r) => r.rows === 30,
      );
      expect(report).toMatchObject({ entities: 1, rows: 30 });
      expect(report.lag_ms.p50).not.toBeNull();
      const res = await h.gateway(`/v1/features/offline?entity=${m}`, { roles: ['admin'] });
      const { rows } = (await res.json()) as { rows: { record_key: string; values: number[]; names: string[] }[] };
      expect(rows.map((r) => r.record_key)).toHaveLength(30);
      expect(new Set(rows.map((r) => r.record_key)).size).toBe(30);
      const byKey = new Map(rows.map((r) => [r.record_key, r.values]));
      for (let i = 20; i < 30; i++)
        expect(byKey.get(`id:${readings[i]!.id}`)).toEqual(
          windowFeatures(spec, readings.slice(i - spec.window, i), readings[i]!),
        );
      // The log is for admins only.
      expect((await h.gateway(`/v1/features/offline?entity=${m}`, { roles: ['predict'] })).status).toBe(403);
    });

    it('when inference is asked about motes instead of given inputs, then it scores their online features', async () => {
      const [a, b] = [mote(3), mote(4)];
      // Eight ordinary readings of a real mote; the second mote repeats them but its last temperature jumps by 15 °C.
      const real = loadSensorReadings()
        .filter((r) => r.moteId === 1 && r.label === 0)
        .slice(0, 8);
      const replay = (m: number, i: number, bump = 0) => ({
        ...reading(m, i),
        humidity: real[i]!.humidity,
        temperature: real[i]!.temperature + bump,
      });
      await ingest([...real.map((_, i) => replay(a, i)), ...real.map((_, i) => replay(b, i, i === 7 ? 15 : 0))]);
      await eventually(
        async () => [await online(a), await online(b)],
        (fs) => fs.every((f) => f.readings_applied === 8),
      );
      const byEntity = InferResponse.parse(
        await (
          await h.gateway(`/v2/models/${MODEL}/infer`, {
            method: 'POST',
            roles: ['predict'],
            body: JSON.stringify({ parameters: { entities: `${a},${b}` }, inputs: [] }),
          })
        ).json(),
      );
      const vectors = [await online(a), await online(b)];
      const explicit = InferResponse.parse(
        await (
          await h.gateway(`/v2/models/${MODEL}/infer`, {
            method: 'POST',
            roles: ['predict'],
            body: JSON.stringify({
              inputs: vectors[0]!.names.map((name, j) => ({
                name,
                datatype: 'FP32',
                shape: [2],
                data: vectors.map((v) => v.values[j]),
              })),
            }),
          })
        ).json(),
      );
      expect(byEntity.outputs[0]!.data).toEqual(explicit.outputs[0]!.data);
      // The mote whose temperature jumped scores far above the steady one.
      const [steady, jumped] = byEntity.outputs[0]!.data as number[];
      expect(jumped!).toBeGreaterThan(steady! + 0.5);

      const unknown = await h.gateway(`/v2/models/${MODEL}/infer`, {
        method: 'POST',
        roles: ['predict'],
        body: JSON.stringify({ parameters: { entities: `${mote(99)}` }, inputs: [] }),
      });
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { detail: string }).detail).toContain(`${mote(99)}`);
      const noInputs = await h.gateway('/v2/models/sensor-anomaly/infer', {
        method: 'POST',
        roles: ['predict'],
        body: JSON.stringify({ parameters: { entities: `${a}` }, inputs: [] }),
      });
      expect(noInputs.status).toBe(400);
    });

    it('when labelled readings have been scored, then a training run of the windowed model learns from them through the offline feature log', async () => {
      const m = mote(5);
      const real = loadSensorReadings()
        .filter((r) => r.moteId === 3)
        .slice(0, 40);
      await ingest(
        real.map((r, i) => ({ ...reading(m, i), humidity: r.humidity, temperature: r.temperature, label: r.label })),
      );
      await eventually(
        () => pipeline([m]),
        (p) => p.rows === 40,
      );
      const started = await h.gateway('/v1/training/runs', {
        method: 'POST',
        roles: ['admin'],
        body: JSON.stringify({ model: MODEL }),
      });
      expect(started.status).toBe(202);
      const { id } = (await started.json()) as { id: string };
      const run = await eventually(
        async () => RunStatus.parse(await (await h.gateway(`/v1/training/runs/${id}`, { roles: ['admin'] })).json()),
        (r) => r.status === 'failed' || r.steps.find((s) => s.name === 'register')?.status === 'completed',
        120_000,
      );
      expect(run.reason).toBeUndefined();
      expect(run.steps.find((s) => s.name === 'snapshot')?.detail).toContain(
        '+ 40 labelled rows of the offline feature log',
      );
      const versions = (await (
        await h.gateway(`/v1/registry/models/${MODEL}/versions`, { roles: ['predict'] })
      ).json()) as { version: string; metadata?: { params?: { offline_training_rows?: number } } }[];
      expect(versions.find((v) => v.version === run.version)?.metadata?.params?.offline_training_rows).toBe(40);
    });
  });
}

streamSuite(process.env.FEATURES_TEST_STACK ?? 'local');

/**
 * kill -9 of the features app (and its sidecar) in the middle of a stream,
 * on brokers that keep a consumer's unacknowledged messages: the readings
 * published while it was down, and those it had taken but not finished,
 * reach it after the restart, and each is applied and counted once.
 * MQTT (the local profile's embedded broker, and Mosquitto) is among them
 * only with our Dapr build's patch to the mqtt3 component: unpatched, the
 * broker's queued messages reach a restarted daprd before it has subscribed
 * and are never acknowledged (tools/dapr/build/patch-mqtt3.mjs).
 */
function killSuite(stack: string) {
  const h = usePlatform(stack, { prepare: ensureWindowedModel, apps: APPS_BUT_AGENTS });
  const run = Date.now() % 1_000_000_000;
  const ingest = (records: unknown[]) => ingestReadings(h, records);
  const applied = async (m: number) => {
    const res = await h.gateway(`/v1/features/sensor/${m}`, { roles: ['predict'] });
    return res.status === 200 ? OnlineFeatures.parse(await res.json()).readings_applied : 0;
  };

  it('when the features app is killed mid-stream and restarted, then every reading is applied and counted exactly once', async () => {
    const motes = [1, 2, 3, 4].map((i) => run * 100 + i);
    const batches = Array.from({ length: 20 }, (_, b) =>
      motes.flatMap((m) => Array.from({ length: 10 }, (_, i) => reading(m, b * 10 + i))),
    );
    let accepted = 0;
    // A 503 (the broker did not take every record of the batch, e.g. on a machine loaded by the crash) is sent
    // again as a client would: the records it had published come back as duplicates. A batch taken at once has none.
    const ingestUntilTaken = async (batch: unknown[]) => {
      for (let sent = 1; ; sent++) {
        const res = await ingest(batch);
        if (res.status !== 503 || sent === 10) return { res, resent: sent > 1 };
      }
    };
    for (const [b, batch] of batches.entries()) {
      // The kill lands while deliveries of the batches before are in flight.
      const [{ res, resent }] = await Promise.all([
        ingestUntilTaken(batch),
        b === 8 ? h.platform.crash('features') : undefined,
      ]);
      if (b === 12) await h.platform.revive('features');
      expect(res.status).toBe(202);
      if (!resent) expect(res.json.duplicates).toBe(0);
      accepted += res.json.accepted + res.json.duplicates;
    }
    expect(accepted).toBe(800);
    const counts = await eventually(
      () => Promise.all(motes.map(applied)),
      (cs) => cs.every((c) => c === 200),
      90_000,
    );
    expect(counts).toEqual([200, 200, 200, 200]);
    const report = await eventually(
      async () =>
        PipelineReport.parse(
          await (await h.gateway(`/v1/monitor/pipeline?entities=${motes.join(',')}`, { roles: ['predict'] })).json(),
        ),
      (r) => r.rows === 800,
      90_000,
    );
    expect(report.rows).toBe(800);
  });
}

describeSideBySide(
  (process.env.FEATURES_KILL_STACKS ?? 'local,redis,rabbitmq,mqtt,jetstream').split(','),
  { name: (stack) => `kill -9 of the features app mid-stream on ${stack}`, atOnce: 3 },
  killSuite,
);
