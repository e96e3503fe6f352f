import { readiness, waitAllReady } from './app-readiness.ts';
import { loadApps, type AppSpec } from './apps.ts';
import type { ControlPlaneInfo } from './control-plane.ts';
import { platformHandle, superviseApps, type Platform } from './platform-handle.ts';
import { prepareRun, startInfrastructure } from './platform-infra.ts';
import { allocatePorts } from './ports.ts';
import { appBundle } from './app-bundle.ts';
import {
  APP_PORT_COUNT,
  appLauncher,
  instanceCount,
  relaunchInstance,
  startApps,
  type RunningApp,
} from './running-app.ts';
import type { RestartPolicy, Supervisor, SupervisorEvent } from './supervisor.ts';
import type { Stack } from './stack.ts';

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
  /**
   * Exports traces: every sidecar to `otlpGrpcAddress` (host:port, OTLP gRPC; its Configuration is
   * then written per run to `<dataDir>/configuration/<app id>.yaml`), every app to `otlpHttpUrl`
   * (OTEL_EXPORTER_OTLP_ENDPOINT). See startObservability.
   */
  tracing?: { otlpGrpcAddress: string; otlpHttpUrl: string };
  /** Benchmarks: sidecars serve pprof on their profile ports (apps profile on SIGUSR2 with CPU_PROFILE_DIR in `env`). */
  profiling?: boolean;
}

/** Stops the supervisor first, so that nothing is restarted while everything stops; then apps, sidecars, brokers. */
function stopper(o: {
  instances: () => RunningApp[];
  supervisor: () => Supervisor | undefined;
  closeInfra: () => Promise<void>;
}) {
  return async () => {
    o.supervisor()?.stop();
    await Promise.all(o.instances().map((a) => a.app.stop()));
    await Promise.all(o.instances().map((a) => a.sidecar.stop()));
    await o.closeInfra();
  };
}

/** How often an instance that dies before it is first ready is started again (waitAllReady). */
const START_RETRIES = 2;

/**
 * Starts every app with its own daprd, all in parallel, and waits until each
 * sidecar and app is ready and the gateway answers /readyz. An instance whose
 * process dies first is started again (START_RETRIES); if one still dies or does
 * not become ready, everything is stopped and the error carries that process's
 * last log lines.
 */
export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const specs = opts.apps ?? loadApps();
  const prepared = await prepareRun(opts);
  const [brokerPort, ...appPorts] = await allocatePorts(1 + instanceCount(specs) * APP_PORT_COUNT);
  const [infra, bundles] = await Promise.all([
    startInfrastructure({
      ...opts,
      ...prepared,
      brokerPort: brokerPort!,
      appIds: specs.map((s) => s.id),
    }),
    Promise.all(specs.map(async (s) => [s.id, await appBundle(s)] as const)).then((b) => Object.fromEntries(b)),
  ]);
  const launch = appLauncher({ ...opts, env: infra.env, resources: infra.resources, bundles });
  const { apps, replicas } = startApps({
    specs,
    ports: appPorts,
    launch,
    ...(opts.gatewayPort ? { gatewayPort: opts.gatewayPort } : {}),
  });
  const instances = () => [...Object.values(apps), ...replicas];

  let supervisor: Supervisor | undefined;
  const stop = stopper({ instances, supervisor: () => supervisor, closeInfra: () => infra.close() });
  const timeoutMs = opts.readyTimeoutMs ?? 90_000;
  const waitReady = readiness({ timeoutMs });
  await waitAllReady({
    apps: instances(),
    waitReady,
    timeoutMs,
    stop,
    startRetries: START_RETRIES,
    relaunch: (a) => relaunchInstance(launch, a),
    ...(opts.onSupervision ? { onEvent: opts.onSupervision } : {}),
  });
  if (opts.supervise) {
    supervisor = superviseApps({
      instances: instances(),
      launch,
      waitReady,
      ...(opts.restartPolicy ? { policy: opts.restartPolicy } : {}),
      ...(opts.onSupervision ? { onEvent: opts.onSupervision } : {}),
    });
  }
  return platformHandle({ apps, replicas, launch, waitReady, supervisor, stop, infra, dataDir: opts.dataDir });
}
