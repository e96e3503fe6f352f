import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestResult, StreamStats } from '@meridian/contracts';
import { APPS_BUT_AGENTS, eventually, ingestReadings, usePlatform } from './helpers/platform.ts';

// The ingestion app is called at its own address (the gateway route /v1/ingest/* is wired separately).
describe('ingestion: raw records per stream, dead letters, idempotency, PII masking', () => {
  // INGESTION_TEST_STACK=redis (or postgres) runs the same checks on another state store and broker.
  // Every record is unique to the run: marks outlive a run on a shared Redis or PostgreSQL.
  const h = usePlatform(process.env.INGESTION_TEST_STACK ?? 'local', { apps: APPS_BUT_AGENTS });
  const app = () => h.platform.apps.ingestion!;
  const post = async (path: string, body: unknown) => {
    const res = await app().fetchApp(`${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const stats = async (stream: string) =>
    StreamStats.parse(await (await app().fetchApp(`/v1/ingest/streams/${stream}/stats`)).json());
  const run = Date.now();
  const reading = (i: number, extra: Record<string, unknown> = {}) => ({
    mote_id: i,
    humidity: 30 + (i % 60),
    temperature: 20 + (i % 10),
    ts: run + i,
    ...extra,
  });

  it('when a mixed batch is posted, then 202 counts accepted and rejected, and a retry of the same batch is all duplicates', async () => {
    const batch = [
      reading(1),
      reading(2, { id: `r-${run}-2` }),
      reading(3, { ts: new Date(run).toISOString() }),
      reading(4, { humidity: 140 }),
      { mote_id: 'five', humidity: 50, temperature: 20, ts: run },
    ];
    const before = await stats('sensor-readings');
    const first = await post('/v1/ingest/sensor-readings', batch);
    expect(first.status).toBe(202);
    // The answer says why: index, field and reason of each rejected record.
    expect(IngestResult.parse(first.json)).toEqual({
      accepted: 3,
      rejected: 2,
      duplicates: 0,
      rejections: [
        { index: 3, field: 'humidity', reason: expect.any(String) },
        { index: 4, field: 'mote_id', reason: expect.stringMatching(/expected number, received string/) },
      ],
    });
    const retry = await post('/v1/ingest/sensor-readings', batch);
    expect(retry.status).toBe(202);
    expect(retry.json).toEqual({ accepted: 0, rejected: 0, duplicates: 5, rejections: [] });
    // dead_lettered counts dead-letter publishes the sidecar confirmed, not records merely rejected.
    const after = await stats('sensor-readings');
    const delta = (k: 'accepted' | 'rejected' | 'duplicates' | 'dead_lettered' | 'batches') => after[k] - before[k];
    expect([
      delta('accepted'),
      delta('rejected'),
      delta('duplicates'),
      delta('dead_lettered'),
      delta('batches'),
    ]).toEqual([3, 2, 5, 2, 2]);
  });

  it('when two batches with the same records arrive at once, then each record is counted once', async () => {
    const batch = Array.from({ length: 50 }, (_, i) => reading(1000 + i));
    const [a, b] = await Promise.all([
      post('/v1/ingest/sensor-readings', batch),
      post('/v1/ingest/sensor-readings', batch),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.json.accepted + b.json.accepted).toBe(50);
    expect(a.json.duplicates + b.json.duplicates).toBe(50);
  });

  it('when a batch is malformed, then 400 names the body or the index of the element that is not an object', async () => {
    const notArray = await post('/v1/ingest/sensor-readings', { mote_id: 1 });
    expect(notArray.status).toBe(400);
    expect(notArray.json.errors).toEqual([{ path: '(body)', message: 'expected array, received object' }]);
    const before = await stats('sensor-readings');
    const bad = await post('/v1/ingest/sensor-readings', [reading(2000), 'oops', reading(2001)]);
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([{ path: '1', message: 'record 1 must be an object, received string' }]);
    expect(bad.json.detail).toContain('record 1');
    // Nothing of a malformed batch was taken in.
    expect(await stats('sensor-readings')).toEqual(before);
    expect((await post('/v1/ingest/no-such-stream', [])).status).toBe(404);
    expect((await post('/v1/ingest/sensor-readings', '[{"mote_id":')).status).toBe(400);
  });

  it('when the MQTT binding delivers one reading or an array, then the same intake runs; a message that is not JSON is dead-lettered', async () => {
    expect(await post('/sensor-readings-mqtt', reading(3000))).toEqual({
      status: 200,
      json: { accepted: 1, rejected: 0, duplicates: 0, rejections: [] },
    });
    expect((await post('/sensor-readings-mqtt', [reading(3001), reading(3000), `junk ${run}`])).json).toEqual({
      accepted: 1,
      rejected: 1,
      duplicates: 1,
      rejections: [{ index: 2, field: '(record)', reason: expect.any(String) }],
    });
    expect((await post('/sensor-readings-mqtt', `not json ${run}`)).json).toMatchObject({
      accepted: 0,
      rejected: 1,
      duplicates: 0,
    });
  });

  it('when a stream has PII fields, then raw values reach neither the log nor the counts; the records are still taken in', async () => {
    const email = `ada.${run}@example.com`;
    const res = await post('/v1/ingest/events', [
      { type: 'signup', user_email: email, ts: new Date().toISOString() },
      { type: 'login', user_email: `not-an-email-${run}`, ts: new Date().toISOString() },
    ]);
    expect(res).toEqual({
      status: 202,
      json: {
        accepted: 1,
        rejected: 1,
        duplicates: 0,
        rejections: [{ index: 1, field: 'user_email', reason: expect.any(String) }],
      },
    });
    const log = join(h.platform.dataDir, 'logs', 'ingestion.log');
    const text = await eventually(
      async () => readFileSync(log, 'utf8'),
      (t) => t.includes('"stream":"events"'),
    );
    expect(text).toContain('"stream":"events"');
    expect(text).not.toContain(email);
    expect(text).not.toContain(`not-an-email-${run}`);
  });

  it('when 1,000 readings are posted in one batch, then all are accepted once', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => reading(10_000 + i));
    const started = performance.now();
    const res = await post('/v1/ingest/sensor-readings', batch);
    const ms = performance.now() - started;
    expect(res).toEqual({ status: 202, json: { accepted: 1000, rejected: 0, duplicates: 0, rejections: [] } });
    const again = performance.now();
    expect((await post('/v1/ingest/sensor-readings', batch)).json).toEqual({
      accepted: 0,
      rejected: 0,
      duplicates: 1000,
      rejections: [],
    });
    console.info(
      `ingestion: 1,000 new readings in ${ms.toFixed(0)} ms; the same 1,000 again (all duplicates) in ${(performance.now() - again).toFixed(0)} ms`,
    );
    // The marks went in transactions of 250 (the sidecar told ingestion the store's type), not key by key.
    const metrics = await (await app().fetchApp('/metrics')).text();
    const transactions = Number(
      metrics.match(
        /meridian_dapr_state_operation_duration_seconds_count\{store="statestore",operation="transaction"\} (\d+)/,
      )?.[1] ?? 0,
    );
    expect(transactions).toBeGreaterThanOrEqual(4);
  });

  it('when readings come through the gateway with an ingest token, then they are taken in; other roles are refused', async () => {
    const before = (await (
      await h.platform.apps.ingestion!.fetchApp(`/v1/ingest/streams/sensor-readings/stats`)
    ).json()) as { accepted: number };
    const batch = [
      { mote_id: 9, humidity: 44.5, temperature: 25.5, ts: new Date().toISOString(), id: `gw-${Date.now()}` },
      { mote_id: 'nine' },
    ];
    const res = await ingestReadings(h, batch);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      accepted: 1,
      rejected: 1,
      duplicates: 0,
      rejections: expect.arrayContaining([
        { index: 1, field: 'mote_id', reason: expect.stringMatching(/expected number, received string/) },
      ]),
    });
    expect(
      (
        await h.gateway('/v1/ingest/sensor-readings', {
          method: 'POST',
          roles: ['predict'],
          body: JSON.stringify(batch),
        })
      ).status,
    ).toBe(403);
    const after = (await (
      await h.platform.apps.ingestion!.fetchApp(`/v1/ingest/streams/sensor-readings/stats`)
    ).json()) as { accepted: number };
    expect(after.accepted).toBe(before.accepted + 1);
  });

  it('when a sensor publishes a reading to the MQTT broker, then the input binding delivers it to ingestion', async () => {
    const stats = async () =>
      (await (await h.platform.apps.ingestion!.fetchApp(`/v1/ingest/streams/sensor-readings/stats`)).json()) as {
        accepted: number;
      };
    const before = (await stats()).accepted;
    const { hostname, port } = new URL(h.platform.mqttUrl);
    const reading = JSON.stringify({
      mote_id: 3,
      humidity: 41.25,
      temperature: 22.5,
      ts: new Date().toISOString(),
      id: `mqtt-${Date.now()}`,
    });
    // Async: the embedded broker lives in this process, and a blocking call would starve it.
    await promisify(execFile)('mosquitto_pub', [
      '-h',
      hostname,
      '-p',
      port,
      '-q',
      '1',
      '-t',
      'meridian/sensor-readings',
      '-m',
      reading,
    ]);
    const after = await eventually(stats, (s) => s.accepted === before + 1);
    expect(after.accepted).toBe(before + 1);
  });
});
