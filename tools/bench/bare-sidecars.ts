import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Components } from '@meridian/contracts';
import {
  allocatePorts,
  httpOk,
  sidecarPorts,
  SIDECAR_PORT_COUNT,
  startSidecar,
  waitFor,
  type ControlPlaneInfo,
  type ManagedProcess,
} from '@meridian/platform';
import { bareResources, brokerEnv, resourcesOf } from './bare-components.ts';
import { BareSubscriber } from './bare-subscriber.ts';

export const BARE_PUBLISHER = 'bench-bare-pub';
export const BARE_SUBSCRIBER = 'bench-bare-sub';

/**
 * Like the apps' own Configurations (configuration/apps/*.yaml) in what costs on the message path:
 * mTLS, every span sampled, metrics, the platform's SQLite name resolution with its settings; the
 * APIs limited to publishing (and metadata). No access control: nothing is invoked.
 */
const CONFIGURATION = `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: bench-bare
spec:
  mtls:
    enabled: true
  tracing:
    samplingRate: "1"
  metric:
    enabled: true
  nameResolution:
    component: sqlite
    version: v1
    configuration:
      connectionString: nr.db
      updateInterval: 2s
      timeout: 1s
  api:
    allowed:
${['v1', 'v1alpha1']
  .flatMap((version) =>
    ['http', 'grpc'].map((protocol) => `      - { name: publish, version: ${version}, protocol: ${protocol} }`),
  )
  .join('\n')}
      - { name: metadata, version: v1, protocol: http }
      - { name: metadata, version: v1, protocol: grpc }
`;

export interface BareSidecars {
  subscriber: BareSubscriber;
  /** The publisher sidecar's HTTP API and the token it requires. */
  publisherUrl: string;
  publisherToken: string;
  /** The two daprd processes, by the names their CPU is reported under. */
  pids(): Record<string, number | undefined>;
  stop(): Promise<void>;
}

const newToken = () => randomBytes(24).toString('base64url');

/**
 * The bare Dapr path beside a running platform: a publisher daprd (no app) and a subscriber daprd
 * in front of an in-process BareSubscriber, both on the platform's control plane, with its pub/sub
 * component and Resiliency (taken from `platformSidecar`'s command line, so this run's consumers)
 * and its broker addresses, mTLS on and API tokens set. Resolves once both are healthy.
 */
export async function startBareSidecars(o: {
  cp: ControlPlaneInfo;
  /** A sidecar of the running platform. */
  platformSidecar: Pick<ManagedProcess, 'opts'>;
  dataDir: string;
  topic: string;
  daprLogLevel?: string;
}): Promise<BareSidecars> {
  const dir = join(o.dataDir, 'bare-path');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'configuration.yaml');
  writeFileSync(config, CONFIGURATION);
  const resources = bareResources({
    folders: resourcesOf(o.platformSidecar.opts.args),
    appIds: [BARE_PUBLISHER, BARE_SUBSCRIBER],
    dir: join(dir, 'components'),
  });
  const env = brokerEnv(o.platformSidecar.opts.env);
  const [appPort, ...ports] = (await allocatePorts(1 + 2 * SIDECAR_PORT_COUNT)) as [number, ...number[]];
  const pubPorts = sidecarPorts(ports.slice(0, SIDECAR_PORT_COUNT));
  const subPorts = sidecarPorts(ports.slice(SIDECAR_PORT_COUNT));
  const tokens = { pub: newToken(), sub: newToken(), app: newToken() };

  const subscriber = new BareSubscriber({ pubsub: Components.pubsub, topic: o.topic, appToken: tokens.app });
  const server = createServer({ keepAlive: true }, subscriber.listener);
  await new Promise<void>((r) => server.listen(appPort, '127.0.0.1', r));
  const common = { cp: o.cp, config, resources, dataDir: o.dataDir, logLevel: o.daprLogLevel ?? 'warn' };
  const sidecars: ManagedProcess[] = [
    startSidecar({ ...common, appId: BARE_PUBLISHER, ports: pubPorts, env: { ...env, DAPR_API_TOKEN: tokens.pub } }),
    startSidecar({
      ...common,
      appId: BARE_SUBSCRIBER,
      appPort,
      ports: subPorts,
      env: { ...env, DAPR_API_TOKEN: tokens.sub, APP_API_TOKEN: tokens.app },
    }),
  ];
  const stop = async () => {
    await Promise.all(sidecars.map((s) => s.stop()));
    await new Promise<void>((r) => server.close(() => r()));
  };
  try {
    for (const [s, p] of [
      [sidecars[0]!, pubPorts],
      [sidecars[1]!, subPorts],
    ] as const)
      await waitFor({
        what: `${s.opts.name} (bare path)`,
        timeoutMs: 60_000,
        check: () => httpOk(`http://127.0.0.1:${p.http}/v1.0/healthz`),
        abort: () => (s.running ? undefined : `exited: ${s.lastLines().slice(-10).join('\n')}`),
      });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    subscriber,
    publisherUrl: `http://127.0.0.1:${pubPorts.http}`,
    publisherToken: tokens.pub,
    pids: () => ({ 'publisher-daprd': sidecars[0]!.pid, 'subscriber-daprd': sidecars[1]!.pid }),
    stop,
  };
}
