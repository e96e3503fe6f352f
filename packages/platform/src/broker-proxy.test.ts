import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pubsubProxy } from './broker-proxy.ts';
import { resolveStack } from './stack.ts';

describe('pubsubProxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-broker-proxy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['redis', 'redisHost', { host: '127.0.0.1', port: 6379 }, (p: number) => `127.0.0.1:${p}`],
    [
      'rabbitmq',
      'connectionString',
      { host: '127.0.0.1', port: 5672 },
      (p: number) => `amqp://guest:guest@127.0.0.1:${p}`,
    ],
    ['jetstream', 'natsURL', { host: '127.0.0.1', port: 4222 }, (p: number) => `nats://127.0.0.1:${p}`],
    ['mqtt', 'url', { host: '127.0.0.1', port: 1883 }, (p: number) => `tcp://127.0.0.1:${p}`],
    ['kafka', 'brokers', { host: '127.0.0.1', port: 9092 }, (p: number) => `127.0.0.1:${p}`],
  ])(
    'when pubsub=%s is proxied, then the copy of its component gives %s as the proxy and the proxy targets the broker',
    async (choice, key, target, expected) => {
      const { proxy, folder } = await pubsubProxy(resolveStack(`pubsub=${choice}`)).start({
        env: { MERIDIAN_MQTT_URL: 'tcp://127.0.0.1:1883', MERIDIAN_KAFKA_BROKERS: '127.0.0.1:9092' },
        dir: join(dir, choice),
      });
      try {
        expect(proxy.target).toEqual(target);
        const doc = parse(readFileSync(join(folder, 'pubsub.yaml'), 'utf8')) as {
          metadata: { name: string };
          spec: { metadata: { name: string; value?: string; envRef?: string }[] };
        };
        expect(doc.metadata.name).toBe('pubsub');
        expect(doc.spec.metadata.find((m) => m.name === key)).toEqual({ name: key, value: expected(proxy.port) });
      } finally {
        await proxy.close();
      }
    },
  );

  it('when a port is given (the one a Kafka broker was told to advertise), then the proxy listens on it', async () => {
    const { proxy: taken } = await pubsubProxy(resolveStack('pubsub=kafka')).start({
      env: { MERIDIAN_KAFKA_BROKERS: '127.0.0.1:9092' },
      dir: join(dir, 'probe'),
    });
    const port = taken.port;
    await taken.close();
    const { proxy } = await pubsubProxy(resolveStack('pubsub=kafka')).start({
      env: { MERIDIAN_KAFKA_BROKERS: '127.0.0.1:9092' },
      dir: join(dir, 'kafka-port'),
      port,
    });
    try {
      expect(proxy.port).toBe(port);
    } finally {
      await proxy.close();
    }
  });

  it('when the broker lives in the process (embedded), then it refuses at once', () => {
    expect(() => pubsubProxy(resolveStack('local'))).toThrow(/no proxy for pubsub=embedded/);
  });
});
