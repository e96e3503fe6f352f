import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  allocatePorts,
  httpOk,
  pubsubProxy,
  repoPath,
  resolveStack,
  sidecarPorts,
  SIDECAR_PORT_COUNT,
  startSidecar,
  waitFor,
  type ControlPlaneInfo,
  type ManagedProcess,
  type TcpProxy,
} from '@meridian/platform';
import { componentsFor } from '@meridian/testkit';

const run = promisify(execFile);

export interface RabbitProbe {
  /** The proxy its sidecar reaches RabbitMQ through (`down()` cuts every connection). */
  proxy: TcpProxy;
  /** The ids delivered so far, per topic. */
  received: Map<string, Set<string>>;
  /** Publishes `{ id }` to a topic through the probe's own sidecar; answers daprd's status. */
  publish(topic: string, id: string): Promise<number>;
  /** Consumers RabbitMQ has on each of the probe's queues (rabbitmqctl). */
  consumers(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

const ROUTE = '/events/';

/**
 * One app and its own daprd on the rabbitmq pub/sub component of the stack (components/pubsub/rabbitmq),
 * behind a TCP proxy, subscribed to `topics` with a queue each (`<queuePrefix>-<topic>`): the
 * smallest setup that shows what the component does when the broker goes away and comes back.
 */
export async function startRabbitProbe(o: {
  cp: ControlPlaneInfo;
  dataDir: string;
  topics: string[];
  queuePrefix: string;
}): Promise<RabbitProbe> {
  const appId = 'rabbitmq-probe';
  const received = new Map(o.topics.map((t) => [t, new Set<string>()]));
  const [appPort, ...daprPorts] = (await allocatePorts(SIDECAR_PORT_COUNT + 1)) as [number, ...number[]];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === '/dapr/subscribe') {
        return void res.end(
          JSON.stringify(
            o.topics.map((topic) => ({
              pubsubname: 'pubsub',
              topic,
              route: `${ROUTE}${topic}`,
              metadata: { queueName: `${o.queuePrefix}-${topic}` },
            })),
          ),
        );
      }
      if (req.method === 'POST' && req.url?.startsWith(ROUTE)) {
        const { data } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { id?: string } };
        if (data?.id) received.get(req.url.slice(ROUTE.length))?.add(data.id);
        return void res.end(JSON.stringify({ status: 'SUCCESS' }));
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(appPort, '127.0.0.1', r));
  const { proxy, folder } = await pubsubProxy(resolveStack('pubsub=rabbitmq')).start({
    env: process.env,
    dir: join(o.dataDir, 'rabbitmq-probe-proxied'),
  });
  mkdirSync(join(o.dataDir, 'logs'), { recursive: true });
  const ports = sidecarPorts(daprPorts);
  const sidecar: ManagedProcess = startSidecar({
    appId,
    appPort,
    ports,
    cp: o.cp,
    dataDir: o.dataDir,
    config: repoPath('configuration/client.yaml'),
    resources: componentsFor({ appId, folders: [folder], dir: join(o.dataDir, 'rabbitmq-probe-components') }),
  });
  const stop = async () => {
    await sidecar.stop();
    server.close();
    await proxy.close();
    // The run's queues (and dead-letter queues) only: the broker is shared.
    const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name']);
    const mine = stdout
      .split('\n')
      .map((s) => s.trim())
      .filter((q) => q.includes(o.queuePrefix));
    await Promise.all(mine.map((q) => run('rabbitmqctl', ['delete_queue', q]).catch(() => undefined)));
  };
  try {
    await waitFor({
      what: 'rabbitmq-probe sidecar',
      timeoutMs: 60_000,
      check: () => httpOk(`http://127.0.0.1:${ports.http}/v1.0/healthz`),
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    proxy,
    received,
    stop,
    async publish(topic, id) {
      const res = await fetch(`http://127.0.0.1:${ports.http}/v1.0/publish/pubsub/${topic}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
      });
      await res.arrayBuffer();
      return res.status;
    },
    async consumers() {
      const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name', 'consumers']);
      const rows = stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter(([name]) => name?.startsWith(o.queuePrefix));
      return Object.fromEntries(rows.map(([name, n]) => [name!, Number(n)]));
    },
  };
}
