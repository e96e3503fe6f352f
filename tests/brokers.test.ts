import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { PredictionCounts, PredictionEvent, RegistryTopics, TRAINING_TOPICS, Topics } from '@meridian/contracts';
import { eventually, usePlatform, type PlatformHandle } from './helpers/platform.ts';

// Pub/sub end to end on every broker that runs on this machine: inference's
// sidecar publishes prediction events, monitor's sidecar delivers them, and the
// monitor counts each event id once. Only the pub/sub component changes.
//
// Not here: pubsub=in-memory. Dapr's in-memory pub/sub delivers only inside one
// sidecar, and our publisher (inference) and subscriber (monitor) have a sidecar
// each, so an event published there never reaches the monitor.
const STACKS = [
  'local', // MQTT on the launcher's embedded broker
  'pubsub=redis', // Redis Streams on :6379
  'pubsub=rabbitmq', // RabbitMQ on :5672
  'pubsub=jetstream', // NATS JetStream on :4222 (streams created below)
  'pubsub=mqtt', // Mosquitto on :1883
  'pubsub=kafka', // kfake-broker (tools/kafka), started by the platform
];

const N = 5;

/**
 * Creates a JetStream stream per topic unless one exists (Dapr's jetstream
 * component does not create streams; components/pubsub/jetstream/pubsub.yaml).
 * Speaks the NATS text protocol directly: JetStream's API is request/reply
 * on $JS.API.* subjects, so no client library is needed.
 */
async function ensureJetStreamStreams(topics: string[], address = { host: '127.0.0.1', port: 4222 }): Promise<void> {
  const socket = connect(address);
  let buffer = '';
  const waiters: ((payload: string) => void)[] = [];
  let failure: Error | undefined;
  socket.setEncoding('utf8');
  socket.on('error', (err) => { failure = err; });
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const eol = buffer.indexOf('\r\n');
      if (eol < 0) return;
      const line = buffer.slice(0, eol);
      const msg = /^MSG \S+ \S+ (?:\S+ )?(\d+)$/.exec(line);
      if (msg) {
        const size = Number(msg[1]);
        if (buffer.length < eol + 2 + size + 2) return;
        const payload = buffer.slice(eol + 2, eol + 2 + size);
        buffer = buffer.slice(eol + 2 + size + 2);
        waiters.shift()?.(payload);
        continue;
      }
      buffer = buffer.slice(eol + 2);
      if (line === 'PING') socket.write('PONG\r\n');
      else if (line.startsWith('-ERR')) failure = new Error(`nats: ${line}`);
    }
  });
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  socket.write('CONNECT {"verbose":false,"pedantic":false,"name":"meridian-tests"}\r\nSUB _INBOX.meridian-tests 1\r\n');
  const request = async (subject: string, body: object): Promise<{ error?: { code: number; err_code?: number; description: string } }> => {
    const json = JSON.stringify(body);
    const answer = new Promise<string>((resolve, reject) => {
      waiters.push(resolve);
      setTimeout(() => reject(failure ?? new Error(`nats: no answer to ${subject} in 5 s`)), 5000).unref();
    });
    socket.write(`PUB ${subject} _INBOX.meridian-tests ${Buffer.byteLength(json)}\r\n${json}\r\n`);
    return JSON.parse(await answer);
  };
  try {
    for (const topic of topics) {
      const name = topic.replace(/[^A-Za-z0-9_-]/g, '_');
      const info = await request(`$JS.API.STREAM.INFO.${name}`, {});
      if (!info.error) continue;
      const created = await request(`$JS.API.STREAM.CREATE.${name}`, {
        name, subjects: [topic], storage: 'file', retention: 'limits', max_age: 24 * 3600 * 1e9,
      });
      // 10065: another stream already covers the subject, which is all Dapr needs.
      if (created.error && created.error.err_code !== 10065) throw new Error(`jetstream: creating stream ${name}: ${created.error.description}`);
    }
  } finally {
    socket.destroy();
  }
}

async function modelCount(h: PlatformHandle, model: string): Promise<number> {
  const res = await h.gateway('/v1/monitor/predictions', { roles: ['predict'] });
  expect(res.status).toBe(200);
  return PredictionCounts.parse(await res.json()).models[model] ?? 0;
}

describe.each(STACKS)('pub/sub on MERIDIAN_STACK=%s', (stack) => {
  if (stack === 'pubsub=jetstream') {
    // Before the platform's beforeAll: the sidecars subscribe as they start.
    beforeAll(() => ensureJetStreamStreams([Topics.predictions, RegistryTopics.modelLifecycle, TRAINING_TOPICS.driftDetected]));
  }
  const h = usePlatform(stack);

  it(`when ${N} prediction events and one duplicate are published, then the monitor counts exactly ${N}`, async () => {
    const inference = h.platform.apps.inference!;
    // A model name of this run only: brokers that keep messages (Redis, RabbitMQ, JetStream,
    // Mosquitto sessions) may still deliver older runs' events, which count under their own names.
    const model = `brokers-${stack.replace(/\W+/g, '-')}-${Date.now()}`;
    const events = Array.from({ length: N }, (_, i) => PredictionEvent.parse({
      id: `${model}-${i}`, model, version: '1', input_hash: `h${i}`, rows: 1,
      inputs: { humidity: [40 + i], temperature: [25] }, outputs: { anomaly_probability: [0.1] },
      latency_ms: 1, ts: new Date().toISOString(),
    }));
    // The duplicate goes out in the middle, so that the last event landing means it was handled too.
    const sequence = [...events.slice(0, 3), events[1]!, ...events.slice(3)];
    for (const event of sequence) {
      const res = await fetch(`${inference.daprUrl}/v1.0/publish/pubsub/${Topics.predictions}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event),
      });
      expect(res.status, await res.text()).toBe(204);
    }
    const counted = await eventually(() => modelCount(h, model), (n) => n >= N, 30_000);
    expect(counted).toBe(N);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await modelCount(h, model)).toBe(N);
  });
});
