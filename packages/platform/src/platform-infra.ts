import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pubsubProxy, type PubsubProxy } from './broker-proxy.ts';
import { ensureDevSecrets } from './dev-secrets.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.ts';
import { appTopics, ensureJetStreamStreams } from './jetstream-streams.ts';
import { startKafkaBroker, type KafkaBroker } from './kafka-broker.ts';
import { repoPath } from './paths.ts';
import type { PlatformOptions } from './platform.ts';
import { allocatePorts } from './ports.ts';
import { prepareRunConsumers, removeRunConsumers, runConsumerFolders } from './run-consumers.ts';
import { resourcePaths, usesEmbeddedBroker, usesKafkaBroker } from './stack.ts';
import type { TcpProxy } from './tcp-proxy.ts';

type InfraOptions = Pick<PlatformOptions, 'stack' | 'dataDir' | 'env' | 'runId' | 'brokerProxy' | 'onLine'>;
type ProxyStarter = ReturnType<typeof pubsubProxy>;

/** What every app and sidecar of the platform runs on. */
export interface PlatformInfra {
  /** The environment every app and sidecar shares. */
  env: Record<string, string>;
  /** The component folders every sidecar loads. */
  resources: string[];
  mqttUrl: string;
  brokerProxy: TcpProxy | undefined;
  /** Stops the brokers and the proxy, and removes this run's consumers. */
  close(): Promise<void>;
}

/** What must hold before any port is taken or broker started. */
export interface PreparedRun {
  modelRepository: string;
  proxiable: ProxyStarter | undefined;
}

/**
 * The data dir (it holds the signing keys, the state store and every token's log: its owner's
 * only), the model repository in it, a check that the stack can be proxied when asked, and the
 * JetStream streams (Dapr's jetstream component creates none, and a sidecar subscribes as it starts).
 */
export async function prepareRun(o: InfraOptions): Promise<PreparedRun> {
  mkdirSync(join(o.dataDir, 'logs'), { recursive: true, mode: 0o700 });
  chmodSync(o.dataDir, 0o700);
  ensureDevSecrets(o.dataDir);
  const modelRepository = join(o.dataDir, 'models');
  mkdirSync(modelRepository, { recursive: true });
  // Before any broker starts: a stack that cannot be proxied fails here.
  const proxiable = o.brokerProxy ? pubsubProxy(o.stack) : undefined;
  if (proxiable && o.stack.choices.pubsub === 'kafka' && !usesKafkaBroker(o.stack)) {
    throw new Error(
      "brokerProxy: pubsub=kafka can be proxied only on the platform's own broker (unset MERIDIAN_KAFKA_BROKERS): another broker tells clients its own address",
    );
  }
  if (o.stack.choices.pubsub === 'jetstream') {
    const created = await ensureJetStreamStreams({ topics: appTopics() });
    if (created.length) o.onLine?.('jetstream', `created streams for ${created.join(', ')}`);
  }
  return { modelRepository, proxiable };
}

/**
 * The in-process MQTT broker of the local profile, or the Kafka broker of the kafka profile, on
 * `port`; the Kafka broker advertises `kafkaProxyPort` when it is behind the broker proxy.
 */
async function startBrokers(
  o: InfraOptions & { port: number; kafkaProxyPort?: number },
): Promise<{ broker?: EmbeddedBroker; kafka?: KafkaBroker }> {
  const broker = usesEmbeddedBroker(o.stack) ? await startEmbeddedBroker({ port: o.port }) : undefined;
  const kafka = usesKafkaBroker(o.stack)
    ? await startKafkaBroker({
        port: o.port,
        dataDir: o.dataDir,
        ...(o.kafkaProxyPort ? { advertisedPort: o.kafkaProxyPort } : {}),
        ...(o.onLine ? { onLine: o.onLine } : {}),
      })
    : undefined;
  return { ...(broker ? { broker } : {}), ...(kafka ? { kafka } : {}) };
}

function sharedEnv(
  o: InfraOptions & { modelRepository: string; broker?: EmbeddedBroker; kafka?: KafkaBroker },
): Record<string, string> {
  return {
    ...o.env,
    MODEL_REPOSITORY: o.modelRepository,
    // Training runs keep artifacts between workflow steps in the data dir, never in the checkout.
    TRAINING_WORK_DIR: join(o.dataDir, 'training-runs'),
    // Sensors publish to the embedded broker in the local profile, to Mosquitto otherwise.
    MERIDIAN_MQTT_URL: process.env.MERIDIAN_MQTT_URL ?? o.broker?.url ?? 'tcp://127.0.0.1:1883',
    ...(o.broker ? { MERIDIAN_EMBEDDED_BROKER_URL: o.broker.url } : {}),
    MERIDIAN_KAFKA_BROKERS: o.kafka?.brokers ?? process.env.MERIDIAN_KAFKA_BROKERS ?? 'localhost:9092',
  };
}

/** Swaps the stack's pub/sub folder for one pointing at a started proxy. */
async function withBrokerProxy(
  o: InfraOptions & { proxiable: ProxyStarter; env: Record<string, string>; resources: string[]; port?: number },
): Promise<{ resources: string[]; proxy: TcpProxy }> {
  const proxied: PubsubProxy = await o.proxiable.start({
    env: o.env,
    dir: join(o.dataDir, 'proxied-pubsub'),
    ...(o.port ? { port: o.port } : {}),
  });
  const original = repoPath('components', 'pubsub', o.stack.choices.pubsub);
  return { resources: o.resources.map((p) => (p === original ? proxied.folder : p)), proxy: proxied.proxy };
}

/**
 * Starts the brokers the stack needs on `brokerPort`, the broker proxy when asked, and this
 * run's own consumers when it has a `runId`; returns what the apps and sidecars share.
 */
export async function startInfrastructure(
  o: InfraOptions & PreparedRun & { brokerPort: number; appIds: string[] },
): Promise<PlatformInfra> {
  // A Kafka broker sends clients to the address it advertises: behind the proxy, the proxy's port, chosen before it starts.
  const kafkaProxyPort = o.proxiable && usesKafkaBroker(o.stack) ? (await allocatePorts(1))[0] : undefined;
  const { broker, kafka } = await startBrokers({
    ...o,
    port: o.brokerPort,
    ...(kafkaProxyPort ? { kafkaProxyPort } : {}),
  });
  const env = sharedEnv({ ...o, ...(broker ? { broker } : {}), ...(kafka ? { kafka } : {}) });
  let resources = resourcePaths(o.stack);
  let brokerProxy: TcpProxy | undefined;
  if (o.proxiable) {
    const proxied = await withBrokerProxy({
      ...o,
      proxiable: o.proxiable,
      env,
      resources,
      ...(kafkaProxyPort ? { port: kafkaProxyPort } : {}),
    });
    resources = proxied.resources;
    brokerProxy = proxied.proxy;
  }
  const consumers = o.runId
    ? {
        pubsub: o.stack.choices.pubsub,
        apps: o.appIds,
        suffix: o.runId,
        ...(usesEmbeddedBroker(o.stack) ? {} : { mqttUrl: env.MERIDIAN_MQTT_URL }),
      }
    : undefined;
  if (consumers) {
    await prepareRunConsumers(consumers);
    resources = runConsumerFolders({
      folders: resources,
      suffix: consumers.suffix,
      dir: join(o.dataDir, 'run-consumers'),
    });
  }
  return {
    env,
    resources,
    mqttUrl: env.MERIDIAN_MQTT_URL!,
    brokerProxy,
    async close() {
      await broker?.close();
      await kafka?.stop();
      await brokerProxy?.close();
      if (consumers)
        await removeRunConsumers(consumers).catch((err: unknown) =>
          o.onLine?.('platform', `could not remove this run's consumers: ${(err as Error).message}`),
        );
    },
  };
}
