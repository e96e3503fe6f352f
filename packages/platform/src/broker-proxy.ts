import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { repoPath } from './paths.ts';
import type { Stack } from './stack.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/** The metadata entry that holds the broker's address, per pub/sub choice. */
const ADDRESS_KEY: Record<string, string> = {
  redis: 'redisHost', // host:port
  rabbitmq: 'connectionString', // amqp://user:password@host:port
  jetstream: 'natsURL', // nats://host:port
  mqtt: 'url', // tcp://host:port, from MERIDIAN_MQTT_URL (the input binding reading it too keeps the broker)
  // host:port, from MERIDIAN_KAFKA_BROKERS. Only for the platform's own kfake-broker: a Kafka broker
  // sends clients to the address it advertises, so it must be started advertising the proxy's port.
  kafka: 'brokers',
};

export interface PubsubProxy {
  proxy: TcpProxy;
  /** A copy of the stack's pub/sub component folder, pointing at the proxy. */
  folder: string;
}

type Address = { host: string; port: number; rewrite: (port: number) => string };

function parseAddress(value: string): Address {
  const local = (host: string) => (host === 'localhost' ? '127.0.0.1' : host);
  if (value.includes('://')) {
    const url = new URL(value);
    return {
      host: local(url.hostname),
      port: Number(url.port),
      rewrite: (port) => value.replace(`${url.hostname}:${url.port}`, `127.0.0.1:${port}`),
    };
  }
  const [host, port] = value.split(':');
  return { host: local(host!), port: Number(port), rewrite: (p) => `127.0.0.1:${p}` };
}

function addressOf(value: string): Address {
  const address = parseAddress(value);
  if (!address.port) throw new Error(`brokerProxy: "${value}" names no port`);
  return address;
}

/**
 * Prepares to send every sidecar to the pub/sub broker through a TCP proxy;
 * throws at once for a choice it cannot proxy. `start` reads the broker's
 * address from the stack's component (`env` resolves an envRef as daprd
 * would), starts the proxy, and writes a copy of the component with the
 * proxy's address (on `port` when given). The component folders stay as they
 * are. A Kafka broker tells clients its own address: it must advertise the
 * proxy's port (see platform-infra), or they would bypass the proxy.
 */
export function pubsubProxy(stack: Stack): {
  start(o: { env: Record<string, string | undefined>; dir: string; port?: number }): Promise<PubsubProxy>;
} {
  const choice = stack.choices.pubsub;
  const key = ADDRESS_KEY[choice];
  if (!key)
    throw new Error(
      `brokerProxy: no proxy for pubsub=${choice} (there is one for ${Object.keys(ADDRESS_KEY).join(', ')})`,
    );
  const folder = repoPath('components', 'pubsub', choice);
  const file = readdirSync(folder).find((f) => f.endsWith('.yaml'))!;
  const text = readFileSync(join(folder, file), 'utf8');
  return {
    async start({ env, dir, port }) {
      const doc = parseDocument(text);
      const metadata = doc.getIn(['spec', 'metadata']) as YAMLSeq<YAMLMap<string, unknown>>;
      const item = metadata.items.find((m) => m.get('name') === key);
      const envRef = item?.get('envRef') as string | undefined;
      const value = (item?.get('value') as string | undefined) ?? (envRef ? env[envRef] : undefined);
      if (!item || !value) throw new Error(`brokerProxy: components/pubsub/${choice}/${file} gives no ${key}`);
      const address = addressOf(value);
      const proxy = await startTcpProxy({
        target: { host: address.host, port: address.port },
        ...(port ? { port } : {}),
      });
      item.delete('envRef');
      item.set('value', address.rewrite(proxy.port));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), doc.toString());
      return { proxy, folder: dir };
    },
  };
}
