import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { appTopics, jetStreamUrl, streamName } from './jetstream-streams.ts';
import { connectNats } from './nats-requester.ts';

const run = promisify(execFile);

/** The metadata fields that name a consumer, per component type. */
const CONSUMER_FIELDS: Record<string, string[]> = {
  'pubsub.redis': ['consumerID'],
  'pubsub.rabbitmq': ['consumerID'],
  'pubsub.kafka': ['consumerGroup', 'clientID'],
  'pubsub.jetstream': ['durableName'],
  'pubsub.mqtt3': ['consumerID'],
  'bindings.mqtt3': ['consumerID'],
};

/** A run's consumer name for an app: `{appID}` is filled in by daprd. */
export const runConsumer = (suffix: string) => `{appID}-${suffix}`;

/**
 * Copies of component folders whose consumers are this run's own (consumer
 * groups, durable names, queues, MQTT client ids end in `-<suffix>`), so two
 * runs on one broker never take each other's messages, and a run never gets
 * the messages an earlier one left unacknowledged. A JetStream durable of the
 * run starts at new messages (a new one would otherwise replay the stream).
 */
export function runConsumerFolders(o: { folders: string[]; suffix: string; dir: string }): string[] {
  return o.folders.map((folder, i) => {
    const files = readdirSync(folder).filter((f) => f.endsWith('.yaml'));
    const docs = files.map((f) => ({ f, doc: parseDocument(readFileSync(join(folder, f), 'utf8')) }));
    const touched = docs.filter(({ doc }) => CONSUMER_FIELDS[String(doc.getIn(['spec', 'type']))]);
    if (!touched.length) return folder;
    const target = join(o.dir, `${i}-${basename(folder)}`);
    mkdirSync(target, { recursive: true });
    for (const { f, doc } of docs) {
      const type = String(doc.getIn(['spec', 'type']));
      const metadata = doc.getIn(['spec', 'metadata']);
      if (CONSUMER_FIELDS[type] && isSeq(metadata)) {
        const items = metadata.items.filter(isMap) as YAMLMap<string, unknown>[];
        const set = (name: string, value: string) => {
          const item = items.find((m) => m.get('name') === name);
          if (item) {
            item.delete('envRef');
            item.set('value', value);
          } else metadata.add(doc.createNode({ name, value }));
        };
        for (const field of CONSUMER_FIELDS[type]!) set(field, runConsumer(o.suffix));
        if (type === 'pubsub.jetstream') set('deliverPolicy', 'new');
      }
      writeFileSync(join(target, f), doc.toString());
    }
    return target;
  });
}

const groupsOf = (o: { apps: string[]; suffix: string }) =>
  appTopics().flatMap((topic) => o.apps.map((app) => ({ topic, group: `${app}-${o.suffix}` })));

/**
 * What must exist before the sidecars subscribe: on Redis, each consumer
 * group is created at the stream's end (Dapr creates a missing group at its
 * start, and would hand a new run the whole history).
 */
export async function prepareRunConsumers(o: {
  pubsub: string;
  apps: string[];
  suffix: string;
  redis?: { host: string; port: number };
}): Promise<void> {
  if (o.pubsub !== 'redis') return;
  const { redisCommands } = await import('./redis-commands.ts');
  await redisCommands(
    o.redis ?? { host: '127.0.0.1', port: 6379 },
    groupsOf(o).map(({ topic, group }) => ['XGROUP', 'CREATE', topic, group, '$', 'MKSTREAM']),
  );
}

/** Removes the run's consumers from the broker when it stops, so a shared broker does not keep them (and their backlog). */
export async function removeRunConsumers(o: {
  pubsub: string;
  apps: string[];
  suffix: string;
  mqttUrl?: string;
  redis?: { host: string; port: number };
}): Promise<void> {
  const groups = groupsOf(o);
  if (o.pubsub === 'redis') {
    const { redisCommands } = await import('./redis-commands.ts');
    await redisCommands(
      o.redis ?? { host: '127.0.0.1', port: 6379 },
      groups.map(({ topic, group }) => ['XGROUP', 'DESTROY', topic, group]),
    );
  }
  if (o.pubsub === 'rabbitmq') {
    const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name']);
    const mine = stdout
      .split('\n')
      .map((s) => s.trim())
      .filter((q) => q.includes(`-${o.suffix}-`));
    await Promise.all(mine.map((q) => run('rabbitmqctl', ['delete_queue', q]).catch(() => undefined)));
  }
  if (o.pubsub === 'jetstream') {
    const nats = await connectNats({ url: jetStreamUrl(), name: 'meridian-cleanup' });
    try {
      for (const { topic, group } of groups)
        await nats.request(`$JS.API.CONSUMER.DELETE.${streamName(topic)}.${group}`, {}).catch(() => undefined);
    } finally {
      nats.close();
    }
  }
  // Persistent MQTT sessions (pub/sub on Mosquitto, and the sensor input binding): a clean connection under the same id ends each.
  if (o.mqttUrl && !o.mqttUrl.includes('127.0.0.1:0')) {
    const { hostname, port } = new URL(o.mqttUrl);
    const ids = o.apps.flatMap((app) => [
      `${app}-${o.suffix}`,
      `${app}-${o.suffix}-consumer`,
      `${app}-${o.suffix}-producer`,
    ]);
    await Promise.all(
      ids.map((id) =>
        run('mosquitto_sub', ['-h', hostname, '-p', port || '1883', '-i', id, '-t', 'meridian/cleanup', '-E']).catch(
          () => undefined,
        ),
      ),
    );
  }
}
