import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { OnlineFeatures, PipelineReport, PredictionCounts, Topics } from '@meridian/contracts';
import { ensureWindowedModel } from '@meridian/platform';
import {
  APPS_BUT_AGENTS,
  describeSideBySide,
  duplicatesSeen,
  eventually,
  ingestReadings,
  predictionEvent,
  usePlatform,
  type PlatformHandle,
} from './helpers/platform.ts';

// Pub/sub end to end on every broker that runs on this machine: the whole
// stream (ingestion → features → inference → monitor), and prediction events
// published straight to the monitor, each counted once. Only the pub/sub
// component changes.
//
// Not here: pubsub=in-memory. Dapr's in-memory pub/sub delivers only inside one
// sidecar, and our publisher (inference) and subscriber (monitor) have a sidecar
// each, so an event published there never reaches the monitor.
const STACKS = [
  'local', // MQTT on the launcher's embedded broker
  'pubsub=redis', // Redis Streams on :6379
  'pubsub=rabbitmq', // RabbitMQ on :5672
  'pubsub=jetstream', // NATS JetStream on :4222 (the platform creates the streams)
  'pubsub=mqtt', // Mosquitto on :1883
  'pubsub=kafka', // kfake-broker (tools/kafka), started by the platform
];

const N = 5;

async function modelCount(h: PlatformHandle, model: string): Promise<number> {
  const res = await h.gateway('/v1/monitor/predictions', { roles: ['predict'] });
  expect(res.status).toBe(200);
  return PredictionCounts.parse(await res.json()).models[model] ?? 0;
}

describeSideBySide(STACKS, { name: (s) => `pub/sub on MERIDIAN_STACK=${s}`, atOnce: 3 }, (stack) => {
  const h = usePlatform(stack, { prepare: ensureWindowedModel, apps: APPS_BUT_AGENTS });

  it('when readings are ingested, then every valid one goes through features and inference to the monitor once, and the invalid one is dead-lettered', async () => {
    const run = Date.now() % 1_000_000_000;
    const motes = [run * 100 + 1, run * 100 + 2];
    const readings = motes.flatMap((m) =>
      Array.from({ length: 10 }, (_, i) => ({
        id: `${m}-${i}`,
        mote_id: m,
        humidity: 40 + i,
        temperature: 22 + i / 10,
        ts: 1_700_000_000_000 + i * 30_000,
      })),
    );
    const res = await ingestReadings(h, [...readings, { ...readings[0], id: `${run}-bad`, humidity: 140 }]);
    expect(res.json).toEqual({
      accepted: 20,
      rejected: 1,
      duplicates: 0,
      rejections: [{ index: 20, field: 'humidity', reason: expect.any(String) }],
    });
    const report = await eventually(
      async () =>
        PipelineReport.parse(
          await (await h.gateway(`/v1/monitor/pipeline?entities=${motes.join(',')}`, { roles: ['predict'] })).json(),
        ),
      (r) => r.rows >= 20,
      60_000,
    );
    expect(report.rows).toBe(20);
    const applied = await Promise.all(
      motes.map(
        async (m) =>
          OnlineFeatures.parse(await (await h.gateway(`/v1/features/sensor/${m}`, { roles: ['predict'] })).json())
            .readings_applied,
      ),
    );
    expect(applied).toEqual([10, 10]);
    if (stack === 'pubsub=redis') {
      // Our Dapr build acknowledges handled messages many to an XACK: none of them may stay pending.
      const pending = async (stream: string, group: string) => {
        const { stdout } = await promisify(execFile)('redis-cli', ['-h', '127.0.0.1', 'XPENDING', stream, group]);
        return Number(stdout.split('\n')[0]);
      };
      const groups = [
        [Topics.sensorReadings, `features-${h.runId}`],
        [Topics.predictions, `monitor-${h.runId}`],
      ] as const;
      for (const [stream, group] of groups)
        expect(
          await eventually(
            () => pending(stream, group),
            (n) => n === 0,
            30_000,
          ),
          `${stream} ${group}`,
        ).toBe(0);
    }
  });

  it(`when ${N} prediction events and one duplicate are published, then the monitor counts exactly ${N}`, async () => {
    const inference = h.platform.apps.inference!;
    // A model name of this run only: brokers that keep messages (Redis, RabbitMQ, JetStream,
    // Mosquitto sessions) may still deliver older runs' events, which count under their own names.
    const model = `brokers-${stack.replace(/\W+/g, '-')}-${Date.now()}`;
    const events = Array.from({ length: N }, (_, i) => predictionEvent({ id: `${model}-${i}`, model, i }));
    const before = await duplicatesSeen(h);
    const sequence = [...events.slice(0, 3), events[1]!, ...events.slice(3)];
    for (const event of sequence) {
      const res = await inference.fetchDapr(`/v1.0/publish/pubsub/${Topics.predictions}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(res.status, await res.text()).toBe(204);
    }
    // Every event counted, and the monitor says it recognised the duplicate (brokers need not keep order): the count is final.
    await eventually(
      () => modelCount(h, model),
      (n) => n >= N,
      30_000,
    );
    await eventually(
      () => duplicatesSeen(h),
      (n) => n >= before + 1,
      30_000,
    );
    expect(await modelCount(h, model)).toBe(N);
  });
});
