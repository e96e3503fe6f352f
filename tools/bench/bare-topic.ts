import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connectNats, ensureJetStreamStreams, jetStreamUrl, streamName } from '@meridian/platform';

const run = promisify(execFile);

/** What must exist before the bare path's sidecars subscribe: JetStream needs a stream for the topic (Dapr's component creates none). */
export async function prepareBareTopic(o: { pubsub: string; topic: string }): Promise<void> {
  if (o.pubsub === 'jetstream') await ensureJetStreamStreams({ topics: [o.topic] });
}

/**
 * Removes what the bare path left on a shared broker: its Redis stream, its JetStream stream, its
 * persistent MQTT sessions on Mosquitto (a clean connection under the same client id ends each, as
 * the platform does for its apps). Its RabbitMQ queue goes with the platform's run consumers (the
 * queue's name holds `-<runId>-`); its empty exchange stays (rabbitmqctl cannot delete one).
 * The embedded MQTT and Kafka brokers stop with the platform.
 */
export async function removeBareTopic(o: {
  pubsub: string;
  topic: string;
  /** The consumer ids daprd gave the bare sidecars (`<app id>-<runId>`). */
  consumers: string[];
  mqttUrl?: string;
}): Promise<void> {
  if (o.pubsub === 'redis') await run('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'DEL', o.topic]);
  if (o.pubsub === 'jetstream') {
    const nats = await connectNats({ url: jetStreamUrl(), name: 'meridian-bench-bare' });
    try {
      await nats.request(`$JS.API.STREAM.DELETE.${streamName(o.topic)}`, {});
    } finally {
      nats.close();
    }
  }
  if (o.pubsub === 'mqtt' && o.mqttUrl) {
    const { hostname, port } = new URL(o.mqttUrl);
    const ids = o.consumers.flatMap((c) => [c, `${c}-consumer`, `${c}-producer`]);
    await Promise.all(
      ids.map((id) =>
        run('mosquitto_sub', ['-h', hostname, '-p', port || '1883', '-i', id, '-t', 'meridian/cleanup', '-E']).catch(
          () => undefined,
        ),
      ),
    );
  }
}
