import { afterAll, describe, expect, it } from 'vitest';
import { FeaturesStats, type IngestedRecordsEvent } from '@meridian/contracts';
import { sensorWindowSpec } from '@meridian/ml';
import { createLogger } from '@meridian/service-kit';
import { MemoryFeatureLog, RecordingScorer, memoryEntityStore, readingRecord, readingsEvent } from './testing/fakes.ts';
import { featuresTestEnv, serveFeatures } from './testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
const env = featuresTestEnv();
const spec = sensorWindowSpec(3, ['mean', 'std']);
const store = memoryEntityStore();
const scorer = new RecordingScorer();
const { processor, meter, served } = await serveFeatures({
  env,
  spec,
  store,
  scorer,
  offlineLog: new MemoryFeatureLog(),
  clock: () => new Date(0),
});
afterAll(() => served.close());
const call = served.call;

const record = readingRecord;
const pack = readingsEvent;
const reading = (mote: number, i: number) => pack(record(mote, i));

/** A bulk delivery as daprd posts it: CloudEvents whose ids stay the same on a redelivery. */
const bulk = (events: IngestedRecordsEvent[]) => ({
  id: 'bulk-1',
  topic: env.READINGS_TOPIC,
  pubsubname: env.PUBSUB_NAME,
  type: 'com.dapr.event.sent',
  entries: events.map((data, i) => ({
    entryId: `e${i}`,
    contentType: 'application/cloudevents+json',
    event: {
      specversion: '1.0',
      id: `ce-${data.records?.[0]?.key ?? (data as unknown as { key: string }).key}`,
      type: 'com.dapr.event.sent',
      source: 'ingestion',
      datacontenttype: 'application/json',
      data,
    },
  })),
});

describe('features app in process', () => {
  it('when a bulk delivery is scored and then delivered again, then the entity state changed once and the rows were scored once', async () => {
    const events = [reading(7, 1), reading(7, 2), reading(7, 3)];
    const first = await call('POST', '/events/sensor-readings', bulk(events));
    const afterFirst = (await store.load(['7']))[0]!.state!;
    const again = await call('POST', '/events/sensor-readings', bulk(events));
    const afterAgain = (await store.load(['7']))[0]!.state!;
    expect(first.body.statuses).toEqual([
      { entryId: 'e0', status: 'SUCCESS' },
      { entryId: 'e1', status: 'SUCCESS' },
      { entryId: 'e2', status: 'SUCCESS' },
    ]);
    expect(again.body.statuses).toEqual(first.body.statuses);
    expect(scorer.calls.map((c) => c.rows)).toEqual([['7@0#1', '7@0#2', '7@0#3']]);
    expect(afterFirst.seq).toBe(3);
    expect({ seq: afterAgain.seq, history: afterAgain.history, digests: afterAgain.digests }).toEqual({
      seq: afterFirst.seq,
      history: afterFirst.history,
      digests: afterFirst.digests,
    });
    expect(processor.stats).toMatchObject({ applied: 3, duplicates: 3, scored: 3 });
  });

  it('when a delivery holds an event of the earlier one-record shape, then its reading is applied like any other', async () => {
    const earlier = { stream: 'sensor-readings', received_at: new Date(1_000).toISOString(), ...record(12, 1) };
    const res = await call(
      'POST',
      '/events/sensor-readings',
      bulk([earlier as unknown as IngestedRecordsEvent, reading(12, 2)]),
    );
    expect(res.body.statuses).toEqual([
      { entryId: 'e0', status: 'SUCCESS' },
      { entryId: 'e1', status: 'SUCCESS' },
    ]);
    expect((await store.load(['12']))[0]!.state!.seq).toBe(2);
  });

  it('when a mote has readings, then its online features answer 200 with the app spec', async () => {
    await call('POST', '/events/sensor-readings', bulk([reading(8, 1), reading(8, 2)]));
    const { status, body: json } = await call('GET', '/v1/features/sensor/8');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      entity: '8',
      spec: { window: 3, features: ['mean', 'std'] },
      readings_applied: 2,
      readings_kept: 2,
      as_of: 2_000,
    });
    expect(json.names).toHaveLength(json.values.length);
  });

  it('when the query asks for another window spec, then the features follow it', async () => {
    await call('POST', '/events/sensor-readings', bulk([reading(9, 1), reading(9, 2)]));
    const { status, body: json } = await call('GET', '/v1/features/sensor/9?window=1&stats=delta&seconds=10');
    expect(status).toBe(200);
    expect(json).toMatchObject({ spec: { window: 1, features: ['delta'] }, seconds: 10 });
  });

  it('when a mote was never seen, then its online read answers 404 problem+json', async () => {
    const { status, type, body: json } = await call('GET', '/v1/features/sensor/never-seen');
    expect([status, type]).toEqual([404, 'application/problem+json; charset=utf-8']);
    expect(json.code).toBe('NOT_FOUND');
  });

  it('when the window spec query is malformed, then 400 problem+json names each bad field', async () => {
    const {
      status,
      type,
      body: json,
    } = await call('GET', '/v1/features/sensor/8?window=0&stats=mean,median&seconds=-1');
    expect([status, type]).toEqual([400, 'application/problem+json; charset=utf-8']);
    expect(json.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'query.seconds',
      'query.stats.1',
      'query.window',
    ]);
  });

  it('when readings were delivered, then GET /v1/features/stats counts each record as consumed by this process, for ingestion', async () => {
    const before = meter.report().consumed;
    await call(
      'POST',
      '/events/sensor-readings',
      bulk([pack(record(11, 1), record(11, 2)), pack({ key: 'k-11-3', record: {} })]),
    );
    const { status, body } = await call('GET', '/v1/features/stats');
    expect(status).toBe(200);
    expect(FeaturesStats.parse(body).consumer).toEqual({
      instance: 'features-test',
      started_at: '1970-01-01T00:00:00.000Z',
      consumed: before + 3,
      in_flight: 0,
    });
  });

  it('when a statistic is listed twice, then 400 names the stats field', async () => {
    const { status, body: json } = await call('GET', '/v1/features/sensor/8?stats=mean,mean');
    expect(status).toBe(400);
    expect(json.errors).toEqual([{ path: 'query.stats', message: 'a statistic is listed twice' }]);
  });
});
