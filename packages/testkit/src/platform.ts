import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadApps, type AppSpec } from './apps.ts';
import { pubsubProxy } from './broker-proxy.ts';
import type { ControlPlaneInfo } from './control-plane.ts';
import { ensureDevSecrets } from './dev-secrets.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.ts';
import { appTopics, ensureJetStreamStreams } from './jetstream-streams.ts';
import { startKafkaBroker, type KafkaBroker } from './kafka-broker.ts';
import { ManagedProcess } from './managed-process.ts';
import { repoPath, repoRoot } from './paths.ts';
import { allocatePorts } from './ports.ts';
import { SIDECAR_PORT_COUNT, sidecarPorts, startSidecar, type SidecarPorts } from './sidecar.ts';
import { createSupervisor, type ProcessStatus, type RestartPolicy, type Supervisor, type SupervisorEvent, type UnitKey } from './supervisor.ts';
import { prepareRunConsumers, removeRunConsumers, runConsumerFolders } from './run-consumers.ts';
import { resourcePaths, usesEmbeddedBroker, usesKafkaBroker, type Stack } from './stack.ts';
import type { TcpProxy } from './tcp-proxy.ts';
import { httpOk, waitFor } from './wait.ts';

export interface RunningApp {
  spec: AppSpec;
  appPort: number;
  sidecarPorts: SidecarPorts;
  app: ManagedProcess;
  sidecar: ManagedProcess;
  appUrl: string;
  daprUrl: string;
  /** The token this app's sidecar requires on its API (DAPR_API_TOKEN). */
  daprToken: string;
  /** The token the app requires of its sidecar (APP_API_TOKEN). */
  appToken: string;
  /** fetch on the sidecar's HTTP API, with its token (`path` starts with /v1.0...). */
  fetchDapr(path: string, init?: RequestInit): Promise<Response>;
  /** fetch on the app's own port as its sidecar would, with the app token. */
  fetchApp(path: string, init?: RequestInit): Promise<Response>;
}

/** A fresh random token per app and platform start: nothing to configure, nothing reusable after a stop. */
const newToken = () => randomBytes(24).toString('base64url');

function withToken(url: string, token: string) {
  return (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), 'dapr-api-token': token } });
}

export interface Platform {
  gatewayUrl: string;
  /** The MQTT broker input bindings listen on (the embedded one in the local profile). */
  mqttUrl: string;
  dataDir: string;
  apps: Record<string, RunningApp>;
  /** With `brokerProxy`: the proxy every sidecar reaches the pub/sub broker through (`down()` is a broker outage). */
  brokerProxy: TcpProxy | undefined;
  /** Restarts one app process (its sidecar keeps running) and waits until it is ready. */
  restartApp(id: string): Promise<void>;
  /** Kills an app and its sidecar with SIGKILL, as a crash would. */
  crash(id: string): Promise<void>;
  /** Starts a crashed app and its sidecar again on the same ports and waits until ready (unsupervised platforms only). */
  revive(id: string): Promise<void>;
  /** Per app: whether its process and its sidecar run, how often each was restarted, how each last ended. */
  status(): Record<string, { app: ProcessStatus; sidecar: ProcessStatus }>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  cp: ControlPlaneInfo;
  stack: Stack;
  /** Working directory of every daprd: state-<app>.db, secrets.json, nr.db, models/, logs/. */
  dataDir: string;
  /** Fixed gateway port (8080 for `npm start`); a free one when omitted. */
  gatewayPort?: number;
  apps?: AppSpec[];
  env?: Record<string, string>;
  logLevel?: string;
  daprLogLevel?: string;
  onLine?: (name: string, line: string) => void;
  readyTimeoutMs?: number;
  /**
   * Puts a TCP proxy between the sidecars' pub/sub component and its broker
   * (redis, rabbitmq, jetstream, mqtt), so a test can take the broker away
   * from them without stopping a server the machine shares.
   */
  brokerProxy?: boolean;
  /**
   * Gives this run its own consumers on the brokers (groups, durables, queues, MQTT sessions end
   * in `-<runId>`), created fresh and removed at stop: test runs sharing a broker never take each
   * other's messages or inherit what an earlier run left unacknowledged. `npm start` keeps the app ids.
   */
  runId?: string;
  /**
   * Restarts an app or sidecar that dies while the platform runs (see supervisor.ts);
   * off by default, so that crash(id) leaves a test's crash alone.
   */
  supervise?: boolean;
  restartPolicy?: Partial<RestartPolicy>;
  /** Each exit, restart and give-up of a supervised process. */
  onSupervision?: (event: SupervisorEvent) => void;
}

interface AppTokens {
  DAPR_API_TOKEN: string;
  APP_API_TOKEN: string;
}

function appProcess(o: PlatformOptions & { spec: AppSpec; port: number; dapr: SidecarPorts; env: Record<string, string>; tokens: AppTokens }): ManagedProcess {
  return new ManagedProcess({
    name: o.spec.id,
    command: process.execPath,
    args: ['--enable-source-maps', '--import', 'tsx', repoPath(o.spec.entry)],
    cwd: repoRoot,
    env: {
      ...process.env,
      ...o.env,
      APP_ID: o.spec.id,
      APP_PORT: `${o.port}`,
      DAPR_HTTP_PORT: `${o.dapr.http}`,
      DAPR_GRPC_PORT: `${o.dapr.grpc}`,
      ...o.tokens,
      LOG_LEVEL: o.logLevel ?? 'info',
    },
    logFile: join(o.dataDir, 'logs', `${o.spec.id}.log`),
    ...(o.onLine ? { onLine: o.onLine } : {}),
  });
}

/**
 * Starts every app with its own daprd, all in parallel, and waits until each
 * sidecar and app is ready and the gateway answers /readyz. If any process
 * dies or does not become ready, everything is stopped and the error carries
 * that process's last log lines.
 */
export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const specs = opts.apps ?? loadApps();
  const { dataDir } = opts;
  // The data dir holds the signing keys, the state store and every token's log: its owner's only.
  mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  ensureDevSecrets(dataDir);
  const modelRepository = join(dataDir, 'models');
  mkdirSync(modelRepository, { recursive: true });

  // Before any broker starts: a stack that cannot be proxied fails here.
  const proxiable = opts.brokerProxy ? pubsubProxy(opts.stack) : undefined;
  if (opts.stack.choices.pubsub === 'jetstream') {
    // Dapr's jetstream component creates no streams, and a sidecar subscribes as it starts.
    const created = await ensureJetStreamStreams({ topics: appTopics() });
    if (created.length) opts.onLine?.('jetstream', `created streams for ${created.join(', ')}`);
  }

  const ports = await allocatePorts(specs.length * (SIDECAR_PORT_COUNT + 1) + 1);
  const take = (n: number) => ports.splice(0, n);
  let broker: EmbeddedBroker | undefined;
  const brokerPort = take(1)[0]!;
  if (usesEmbeddedBroker(opts.stack)) broker = await startEmbeddedBroker({ port: brokerPort });
  let kafka: KafkaBroker | undefined;
  if (usesKafkaBroker(opts.stack)) kafka = await startKafkaBroker({ port: brokerPort, dataDir, ...(opts.onLine ? { onLine: opts.onLine } : {}) });

  const shared: Record<string, string> = {
    ...opts.env,
    MODEL_REPOSITORY: modelRepository,
    // Training runs keep artifacts between workflow steps in the data dir, never in the checkout.
    TRAINING_WORK_DIR: join(dataDir, 'training-runs'),
    // Sensors publish to the embedded broker in the local profile, to Mosquitto otherwise.
    MERIDIAN_MQTT_URL: process.env.MERIDIAN_MQTT_URL ?? broker?.url ?? 'tcp://127.0.0.1:1883',
    ...(broker ? { MERIDIAN_EMBEDDED_BROKER_URL: broker.url } : {}),
    MERIDIAN_KAFKA_BROKERS: kafka?.brokers ?? process.env.MERIDIAN_KAFKA_BROKERS ?? 'localhost:9092',
  };
  let resources = resourcePaths(opts.stack);
  let brokerProxy: TcpProxy | undefined;
  if (proxiable) {
    const proxied = await proxiable.start({ env: shared, dir: join(dataDir, 'proxied-pubsub') });
    brokerProxy = proxied.proxy;
    const original = repoPath('components', 'pubsub', opts.stack.choices.pubsub);
    resources = resources.map((p) => (p === original ? proxied.folder : p));
  }
  const consumers = opts.runId
    ? { pubsub: opts.stack.choices.pubsub, apps: specs.map((s) => s.id), suffix: opts.runId, ...(usesEmbeddedBroker(opts.stack) ? {} : { mqttUrl: shared.MERIDIAN_MQTT_URL }) }
    : undefined;
  if (consumers) {
    await prepareRunConsumers(consumers);
    resources = runConsumerFolders({ folders: resources, suffix: consumers.suffix, dir: join(dataDir, 'run-consumers') });
  }
  const apps: Record<string, RunningApp> = {};
  const sidecarFor = (spec: AppSpec, appPort: number, sp: SidecarPorts, tokens: AppTokens) => startSidecar({
    appId: spec.id, appPort, ports: sp, cp: opts.cp, dataDir,
    config: repoPath('configuration', 'apps', `${spec.id}.yaml`),
    resources, env: { ...shared, ...tokens },
    ...(opts.daprLogLevel ? { logLevel: opts.daprLogLevel } : {}),
    ...(opts.onLine ? { onLine: opts.onLine } : {}),
  });
  // Every sidecar starts at once: each app has its own SQLite file (components/state/sqlite), so no two create one together.
  for (const spec of specs) {
    const [own, ...dapr] = take(SIDECAR_PORT_COUNT + 1) as [number, ...number[]];
    const appPort = spec.id === 'gateway' && opts.gatewayPort ? opts.gatewayPort : own;
    const sp = sidecarPorts(dapr);
    const tokens: AppTokens = { DAPR_API_TOKEN: newToken(), APP_API_TOKEN: newToken() };
    const sidecar = sidecarFor(spec, appPort, sp, tokens);
    const app = appProcess({ ...opts, spec, port: appPort, dapr: sp, env: shared, tokens });
    const appUrl = `http://127.0.0.1:${appPort}`;
    const daprUrl = `http://127.0.0.1:${sp.http}`;
    apps[spec.id] = {
      spec, appPort, sidecarPorts: sp, app, sidecar, appUrl, daprUrl,
      daprToken: tokens.DAPR_API_TOKEN, appToken: tokens.APP_API_TOKEN,
      fetchDapr: withToken(daprUrl, tokens.DAPR_API_TOKEN), fetchApp: withToken(appUrl, tokens.APP_API_TOKEN),
    };
  }

  let supervisor: Supervisor | undefined;
  const stop = async () => {
    // First, so that nothing is restarted while everything stops.
    supervisor?.stop();
    await Promise.all(Object.values(apps).map((a) => a.app.stop()));
    await Promise.all(Object.values(apps).map((a) => a.sidecar.stop()));
    await broker?.close();
    await kafka?.stop();
    await brokerProxy?.close();
    if (consumers) await removeRunConsumers(consumers).catch((err: unknown) => opts.onLine?.('platform', `could not remove this run's consumers: ${(err as Error).message}`));
  };
  const timeoutMs = opts.readyTimeoutMs ?? 90_000;
  /** Until the app and its sidecar serve; fails early when one of `watched` dies. */
  const waitReady = (a: RunningApp, watched = [a.app, a.sidecar]) => {
    const died = () => {
      const dead = watched.find((p) => !p.running);
      return dead ? `${dead.opts.name} exited with code ${dead.exitCode}; its last lines:\n${dead.lastLines().join('\n')}` : undefined;
    };
    return waitFor({
      what: `${a.spec.id} readiness`, timeoutMs, abort: died,
      check: async () => (await httpOk(`${a.daprUrl}/v1.0/healthz`)) && (await httpOk(`${a.appUrl}/readyz`)),
    }).catch((err: Error) => {
      const tails = [a.app, a.sidecar].map((p) => `--- ${p.opts.name} (last lines)\n${p.lastLines().join('\n')}`).join('\n');
      throw new Error(`${err.message}\n${tails}`);
    });
  };
  const tokensOf = (a: RunningApp): AppTokens => ({ DAPR_API_TOKEN: a.daprToken, APP_API_TOKEN: a.appToken });
  const gateway = apps.gateway;
  try {
    await Promise.all(Object.values(apps).map((a) => waitReady(a)));
    if (gateway) await waitFor({ what: 'gateway /readyz', timeoutMs, check: () => httpOk(`${gateway.appUrl}/readyz`) });
  } catch (err) {
    // Name the process that failed by itself, not one that only went down with the rest.
    const failed = Object.values(apps).flatMap((a) => [a.app, a.sidecar]).find((p) => !p.running && !p.stopRequested && p.exitCode !== 0);
    await stop();
    if (failed) throw new Error(`${failed.opts.name} exited with code ${failed.exitCode ?? failed.exitSignal}; its last lines:\n${failed.lastLines().join('\n')}`, { cause: err });
    throw err;
  }
  if (opts.supervise) {
    // A dead sidecar is started again on its ports with its tokens, and its app is left running: the app reaches it
    // per request over HTTP, and the new daprd reads the app's subscriptions as it starts (restarting the app would
    // only lose its in-memory state and in-flight requests). Except an app using workflows: the SDK's workflow worker
    // holds a gRPC stream to its sidecar and gives up for good when the first one drops (@dapr/dapr 3.x,
    // task-hub-grpc-worker), so that app is restarted after its sidecar is back.
    supervisor = createSupervisor({
      restartWith: ({ app, kind }) => (kind === 'sidecar' && apps[app]?.spec.dapr.apis.includes('workflows') ? { app, kind: 'app' } : undefined),
      start: ({ app, kind }) => {
        const a = apps[app]!;
        if (kind === 'sidecar') a.sidecar = sidecarFor(a.spec, a.appPort, a.sidecarPorts, tokensOf(a));
        else a.app = appProcess({ ...opts, spec: a.spec, port: a.appPort, dapr: a.sidecarPorts, env: shared, tokens: tokensOf(a) });
        const started = kind === 'sidecar' ? a.sidecar : a.app;
        // Only the restarted process's death fails it: its partner may be restarting too.
        return { process: started, ready: waitReady(a, [started]) };
      },
      ...(opts.onSupervision ? { onEvent: opts.onSupervision } : {}),
      ...(opts.restartPolicy ? { policy: opts.restartPolicy } : {}),
    });
    for (const a of Object.values(apps)) {
      supervisor.watch({ app: a.spec.id, kind: 'app' }, a.app);
      supervisor.watch({ app: a.spec.id, kind: 'sidecar' }, a.sidecar);
    }
  }
  const statusOf = (a: RunningApp, kind: UnitKey['kind']): ProcessStatus => {
    const p = kind === 'app' ? a.app : a.sidecar;
    const lastExit = p.running ? null : { code: p.exitCode ?? null, signal: p.exitSignal ?? null };
    return supervisor?.status({ app: a.spec.id, kind }) ?? { running: p.running, state: p.running ? 'up' : 'down', restarts: 0, lastExit };
  };

  return {
    gatewayUrl: gateway?.appUrl ?? '',
    mqttUrl: shared.MERIDIAN_MQTT_URL!,
    dataDir,
    apps,
    brokerProxy,
    stop,
    async restartApp(id) {
      const a = apps[id];
      if (!a) throw new Error(`no app ${id}`);
      await a.app.stop();
      a.app = appProcess({ ...opts, spec: a.spec, port: a.appPort, dapr: a.sidecarPorts, env: shared, tokens: tokensOf(a) });
      await waitReady(a);
      supervisor?.watch({ app: id, kind: 'app' }, a.app);
    },
    async crash(id) {
      const a = apps[id];
      if (!a) throw new Error(`no app ${id}`);
      await Promise.all([a.app.kill(), a.sidecar.kill()]);
    },
    async revive(id) {
      const a = apps[id];
      if (!a) throw new Error(`no app ${id}`);
      if (supervisor) throw new Error('revive is for an unsupervised platform: a supervised one restarts what crashed by itself');
      a.sidecar = sidecarFor(a.spec, a.appPort, a.sidecarPorts, tokensOf(a));
      a.app = appProcess({ ...opts, spec: a.spec, port: a.appPort, dapr: a.sidecarPorts, env: shared, tokens: tokensOf(a) });
      await waitReady(a);
    },
    status: () => Object.fromEntries(Object.values(apps).map((a) => [a.spec.id, { app: statusOf(a, 'app'), sidecar: statusOf(a, 'sidecar') }])),
  };
}
