import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  InferResponse,
  PredictionCounts,
  ProblemDetails,
  PROBLEM_CONTENT_TYPE,
  StreamStats,
  Topics,
} from '@meridian/contracts';
import { writeModelVersion } from '@meridian/ml';
import { devBaseline, ensureDevModels, loadApps, resolveStack, startPlatform, type Platform } from '@meridian/platform';
import { APPS_BUT_AGENTS, eventually, predictionEvent } from './helpers/platform.ts';
import { startRabbitProbe, type RabbitProbe } from './helpers/rabbitmq-probe.ts';

// Faults of the data pipeline on real brokers (issue 6). Every check is by
// run-unique identity: model names of this run only, record ids of this run
// only, so events other runs left in a shared broker cannot count here.
//
// A broker outage is a TCP proxy between every sidecar and the machine's
// broker (the platform's brokerProxy option) going down and up again.
// A crash is SIGKILL of the monitor and its sidecar, then a restart.
//
// The outage on RabbitMQ is not in STACKS: Dapr 1.18's rabbitmq pub/sub fails it. It is the
// expected failure at the end of this file, which turns red when upstream fixes the component.
// (A crash on MQTT failed the same way until our Dapr build patched the mqtt3 component:
// tools/dapr/build/patch-mqtt3.mjs.)
const STACKS = [
  { stack: 'pubsub=redis', outage: true, crash: true }, // Redis Streams on :6379
  { stack: 'pubsub=mqtt', outage: true, crash: true }, // Mosquitto on :1883
  { stack: 'pubsub=rabbitmq', outage: false, crash: true }, // RabbitMQ on :5672
  { stack: 'pubsub=jetstream', outage: true, crash: true }, // NATS JetStream on :4222; streams made by the platform
  // The platform's own kfake-broker (tools/kafka), told to advertise the proxy's port: a Kafka client
  // goes where the broker's metadata sends it, so behind the proxy it must name the proxy.
  { stack: 'pubsub=kafka', outage: true, crash: true },
];

// Redis redelivers an event a dead consumer held only after its processing timeout (60 s) and
// redelivery interval (60 s); JetStream after the ack wait.
const DELIVERY_TIMEOUT_MS = 200_000;

/**
 * The platform (with the broker behind a proxy when asked), serving copies of
 * sensor-anomaly under this run's model names. Like usePlatform, which takes
 * no platform options.
 */
function useFaultPlatform(stackSpec: string, opts: { models: string[]; proxy: boolean }): () => Platform {
  let platform: Platform | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), `meridian-faults-${stackSpec.replace(/\W+/g, '_')}-`));
  beforeAll(async () => {
    const repository = await ensureDevModels(dataDir);
    // The same model as ensureDevModels's, trained once for the file.
    const trained = devBaseline();
    for (const name of opts.models) {
      await writeModelVersion({
        repository,
        name,
        version: '1',
        artifact: trained.onnx,
        metadata: { ...trained.metadata, name, version: '1' },
      });
    }
    platform = await startPlatform({
      cp: inject('controlPlane'),
      stack: resolveStack(stackSpec),
      dataDir,
      env: { BOOTSTRAP_MODELS: '' },
      apps: loadApps().filter((a) => APPS_BUT_AGENTS.includes(a.id)),
      brokerProxy: opts.proxy,
      runId: randomUUID().slice(0, 8),
    });
  });
  afterAll(async () => {
    await platform?.stop();
    if (process.env.MERIDIAN_KEEP_DATA) process.stderr.write(`[test] data kept in ${dataDir}\n`);
    else rmSync(dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!platform) throw new Error('platform not started');
    return platform;
  };
}

// One stack after another, not side by side (describeSideBySide): each platform's broker traffic
// goes through a proxy in this process, and a daprd's first connection through one timed out at
// its start while other stacks' tests ran (Redis once, JetStream once, in fresh-clone runs).
describe.each(STACKS)('faults on MERIDIAN_STACK=$stack', ({ stack, outage, crash }) => {
  const run = `${stack.replace(/\W+/g, '-')}-${Date.now().toString(36)}`;
  const outageModel = `faults-outage-${run}`;
  const crashModel = `faults-crash-${run}`;
  const platform = useFaultPlatform(stack, { models: [outageModel, crashModel], proxy: outage });
  const app = (id: string) => platform().apps[id]!;

  /**
   * One OIP request to inference; it answers with the id its prediction event carries. With
   * `required`, inference answers 200 only once the broker has the event (503 otherwise, asked
   * again as a caller would), so every id returned is one the monitor must count; without it the
   * event is published after the answer, as for any caller.
   */
  const infer = async (model: string, i: number, o: { required?: boolean } = {}): Promise<string> => {
    // A 503 (the broker has not taken the event yet) is asked again, as a caller would, for up to 30 s.
    const res = await eventually(
      async () => {
        const r = await app('inference').fetchApp(`/v2/models/${model}/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            inputs: [
              { name: 'humidity', shape: [1], datatype: 'FP32', data: [40 + (i % 20)] },
              { name: 'temperature', shape: [1], datatype: 'FP32', data: [25 + (i % 5)] },
            ],
            ...(o.required ? { parameters: { prediction_log: 'required' } } : {}),
          }),
        });
        return { status: r.status, text: await r.text() };
      },
      (r) => r.status !== 503,
      30_000,
    );
    expect(res.status, res.text).toBe(200);
    return InferResponse.parse(JSON.parse(res.text)).id;
  };
  const counted = async (id: string): Promise<boolean> => {
    const res = await app('monitor').fetchApp(`/v1/monitor/predictions/${encodeURIComponent(id)}`);
    if (res.status !== 200) throw new Error(`monitor answered ${res.status}`);
    return ((await res.json()) as { counted: boolean }).counted;
  };
  const modelCount = async (model: string): Promise<number> => {
    const res = await app('monitor').fetchApp(`/v1/monitor/predictions`);
    if (res.status !== 200) throw new Error(`monitor answered ${res.status}`);
    return PredictionCounts.parse(await res.json()).models[model] ?? 0;
  };
  /** Waits until the monitor has counted every id, then returns the ids it has not (none, unless time ran out). */
  const uncounted = async (ids: string[]): Promise<string[]> => {
    const missing = await eventually(
      async () => {
        const seen = await Promise.all(ids.map(counted));
        return ids.filter((_, i) => !seen[i]);
      },
      (m) => m.length === 0,
      DELIVERY_TIMEOUT_MS,
    );
    return missing;
  };

  if (outage) {
    it('when the broker is down, then ingestion answers 503 and takes nothing in; when it is back, the retried batch is taken once and the monitor gets every event published before and after', {
      timeout: 400_000,
    }, async () => {
      const proxy = platform().brokerProxy!;
      const ingestion = app('ingestion');
      const stats = async () =>
        StreamStats.parse(await (await ingestion.fetchApp('/v1/ingest/streams/sensor-readings/stats')).json());
      const post = (batch: unknown[]) =>
        ingestion.fetchApp('/v1/ingest/sensor-readings', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(batch),
        });
      const batch = [
        ...Array.from({ length: 20 }, (_, i) => ({
          id: `${run}-r${i}`,
          mote_id: i,
          humidity: 30 + i,
          temperature: 22,
          ts: new Date().toISOString(),
        })),
        { id: `${run}-bad`, mote_id: 99, humidity: 140, temperature: 22, ts: new Date().toISOString() }, // out of range: dead-lettered
      ];

      // Published right before the outage (the sidecar confirmed each), so the monitor may still be taking them in when it starts.
      const before = Array.from({ length: 10 }, (_, i) =>
        predictionEvent({ id: `${run}-before-${i}`, model: outageModel, i }),
      );
      for (const event of before) {
        const res = await app('inference').fetchDapr(`/v1.0/publish/pubsub/${Topics.predictions}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
        });
        expect(res.status, await res.text()).toBe(204);
      }
      const start = await stats();

      await proxy.down();
      const refused = await post(batch);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(ProblemDetails.parse(await refused.json())).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
      const during = await stats();
      expect([during.accepted, during.rejected, during.dead_lettered]).toEqual([
        start.accepted,
        start.rejected,
        start.dead_lettered,
      ]);
      // Serving does not depend on the broker: a prediction is still answered (on the shared model, whose count is not checked).
      await infer('sensor-anomaly', 0);

      await proxy.up();
      // The sidecars reconnect, and a circuit breaker that opened stays open for a while: retry as a client would.
      const answers: number[] = [];
      const accepted = await eventually(
        async () => {
          const res = await post(batch);
          answers.push(res.status);
          return {
            status: res.status,
            body:
              res.status === 202
                ? ((await res.json()) as { accepted: number; rejected: number; duplicates: number })
                : undefined,
          };
        },
        (r) => r.status === 202,
        120_000,
      );
      expect(accepted.status, `answers while the broker came back: ${answers.join(', ')}`).toBe(202);
      const { body } = accepted;
      expect(body!.accepted + body!.rejected + body!.duplicates).toBe(batch.length);
      // Across every attempt each record was counted once: 20 accepted, 1 dead-lettered.
      const end = await stats();
      expect([
        end.accepted - start.accepted,
        end.rejected - start.rejected,
        end.dead_lettered - start.dead_lettered,
      ]).toEqual([20, 1, 1]);
      const again = await post(batch);
      expect(await again.json()).toEqual({ accepted: 0, rejected: 0, duplicates: batch.length, rejections: [] });

      // Consumers resumed: events published after the outage arrive too, and each counts once.
      const after: string[] = [];
      for (let i = 0; i < 10; i++) after.push(await infer(outageModel, i));
      const ids = [...before.map((e) => e.id), ...after];
      expect(await uncounted(ids)).toEqual([]);
      expect(await modelCount(outageModel)).toBe(ids.length);
    });
  }

  if (crash) {
    it('when the monitor is killed with SIGKILL in the middle of a stream and restarted, then every prediction is counted exactly once', {
      timeout: 400_000,
    }, async () => {
      const N = 60;
      const ids: string[] = [];
      let revived: Promise<void> | undefined;
      for (let i = 0; i < N; i++) {
        ids.push(await infer(crashModel, i, { required: true }));
        // Killed with events in flight to it; the next 15 are published while it is down.
        if (i === 15) await platform().crash('monitor');
        // Revived while the stream goes on: events keep coming as its sidecar subscribes again.
        if (i === 30) revived = platform().revive('monitor');
      }
      await revived;
      expect(new Set(ids).size).toBe(N);
      const missing = await uncounted(ids);
      expect(missing.map((id) => `#${ids.indexOf(id)} ${id}`)).toEqual([]);
      expect(await modelCount(crashModel)).toBe(N);
    });
  }
});

// Dapr 1.18's rabbitmq pub/sub (components-contrib pubsub/rabbitmq/rabbitmq.go, v1.18.4, on
// amqp091-go v1.10.0) after a reconnect: every subscription of a sidecar re-subscribes at once on
// the one AMQP channel the component shares. Each declares its exchanges and queues holding the
// component's mutex, but calls basic.consume after releasing it, so a consume and another
// subscription's declare are in flight together; amqp091-go hands each reply to whichever call
// waits first, and both fail ("Exception (503) Reason: unexpected command received"). The failed
// consume is still registered on the broker while the client has forgotten it: an orphaned
// consumer that takes every other message of its queue and never acks it. The component
// subscribes again beside it, so the queue has two consumers and half its messages never arrive
// (the monitor, three topics, stalls on half its events until its sidecar restarts). No metadata
// of the component (one channel per subscription, say) or resiliency policy avoids it.
// The probe has more topics than any app, so the race shows at the first or second outage.
describe("a broker outage on RabbitMQ, a known failure of Dapr 1.18's pubsub.rabbitmq", () => {
  const run = Date.now().toString(36);
  const topics = Array.from({ length: 12 }, (_, i) => `meridian-resubscribe-probe-${i}`);
  const OUTAGES = 3;
  let dataDir: string | undefined;
  let probe: RabbitProbe | undefined;
  let observed: { outages: number; missing: Record<string, number>; consumers: Record<string, number> } | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'meridian-faults-rabbitmq-probe-'));
    probe = await startRabbitProbe({
      cp: inject('controlPlane'),
      dataDir,
      topics,
      queuePrefix: `meridian-faults-${run}`,
    });
  });
  afterAll(async () => {
    await probe?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Publishes a marker on every topic that has had none delivered yet, until each has had one: the sidecar consumes every topic again. */
  const resubscribed = async (outage: number): Promise<string[]> => {
    const waiting = await eventually(
      async () => {
        const waiting = topics.filter(
          (t) => ![...probe!.received.get(t)!].some((id) => id.startsWith(`${run}-${outage}-marker`)),
        );
        for (const topic of waiting)
          expect(await probe!.publish(topic, `${run}-${outage}-marker-${randomUUID()}`)).toBe(204);
        return waiting;
      },
      (w) => w.length === 0,
      90_000,
    );
    return waiting;
  };

  it('when the broker goes away and comes back, then the sidecar consumes every topic again', {
    timeout: 240_000,
  }, async () => {
    expect(await resubscribed(0)).toEqual([]);
    for (let outage = 1; outage <= OUTAGES; outage++) {
      await probe!.proxy.down();
      await probe!.proxy.up();
      expect(await resubscribed(outage), `topics with no delivery after outage ${outage}`).toEqual([]);
      // Ten events per topic; without an orphaned consumer each arrives within milliseconds.
      const sent = topics.map((topic) => ({
        topic,
        ids: Array.from({ length: 10 }, (_, i) => `${run}-${outage}-event-${i}`),
      }));
      for (const { topic, ids } of sent) for (const id of ids) expect(await probe!.publish(topic, id)).toBe(204);
      const missing = await eventually(
        async () =>
          Object.fromEntries(
            sent
              .map(
                ({ topic, ids }) => [topic, ids.filter((id) => !probe!.received.get(topic)!.has(id)).length] as const,
              )
              .filter(([, n]) => n > 0),
          ),
        (m) => Object.keys(m).length === 0,
        20_000,
      );
      observed = { outages: outage, missing, consumers: {} };
      if (Object.keys(missing).length) break;
    }
    // Which queues have more than the one consumer the sidecar asked for.
    observed!.consumers = Object.fromEntries(Object.entries(await probe!.consumers()).filter(([, n]) => n !== 1));
    process.stderr.write(
      `[test] rabbitmq after ${observed!.outages} outage(s): events missing per topic ${JSON.stringify(observed!.missing)}; queues with other than one consumer ${JSON.stringify(observed!.consumers)}\n`,
    );
  });

  it.fails('when the broker comes back, then every event published after it is delivered and each queue has one consumer (FAILS UPSTREAM: the orphaned consumer above; when this turns red, Dapr fixed it: move the outage test on RabbitMQ into STACKS)', () => {
    // Without an observation (the test above failed) nothing throws here, so this turns red as well: never green by accident.
    if (!observed) return;
    expect({ missing: observed.missing, consumers: observed.consumers }, `after ${observed.outages} outage(s)`).toEqual(
      { missing: {}, consumers: {} },
    );
  });
});
