import type { WaitReady } from './app-readiness.ts';
import type { PlatformInfra } from './platform-infra.ts';
import { allocatePorts } from './ports.ts';
import { APP_PORT_COUNT, launchApp, relaunchInstance, type AppLauncher, type RunningApp } from './running-app.ts';
import {
  createSupervisor,
  type ProcessStatus,
  type RestartPolicy,
  type Supervisor,
  type SupervisorEvent,
  type UnitKey,
} from './supervisor.ts';
import type { TcpProxy } from './tcp-proxy.ts';

export interface Platform {
  gatewayUrl: string;
  /** The MQTT broker input bindings listen on (the embedded one in the local profile). */
  mqttUrl: string;
  dataDir: string;
  /** The first instance of each app. */
  apps: Record<string, RunningApp>;
  /** Every running instance of an app (`replicas` in apps/apps.json, and those addReplica started), the first one first. */
  instances(id: string): RunningApp[];
  /** With `brokerProxy`: the proxy every sidecar reaches the pub/sub broker through (`down()` is a broker outage). */
  brokerProxy: TcpProxy | undefined;
  /** Restarts one app process (its sidecar keeps running) and waits until it is ready. */
  restartApp(id: string): Promise<void>;
  /** Kills an app and its sidecar with SIGKILL, as a crash would. */
  crash(id: string): Promise<void>;
  /** Starts a crashed app and its sidecar again on the same ports and waits until ready (unsupervised platforms only). */
  revive(id: string): Promise<void>;
  /**
   * Starts one more instance of an app with its own sidecar (same app id, so name resolution
   * spreads calls and placement spreads actors over the instances) and waits until it is ready.
   * Stopped with the platform.
   */
  addReplica(id: string): Promise<RunningApp>;
  /** Per app: whether its process and its sidecar run, how often each was restarted, how each last ended. */
  status(): Record<string, { app: ProcessStatus; sidecar: ProcessStatus }>;
  stop(): Promise<void>;
}

interface Running {
  launch: AppLauncher;
  waitReady: WaitReady;
}

/**
 * A dead sidecar is started again on its ports with its tokens, and its app is left running: the
 * app reaches it per request over HTTP, and the new daprd reads the app's subscriptions as it
 * starts (restarting the app would only lose its in-memory state and in-flight requests). Except
 * an app using workflows: the SDK's workflow worker holds a gRPC stream to its sidecar and gives up
 * for good when the first one drops (@dapr/dapr 3.x, task-hub-grpc-worker), so that app is
 * restarted after its sidecar is back.
 */
export function superviseApps(
  o: Running & {
    /** Every instance, supervised under its instance name. */
    instances: RunningApp[];
    policy?: Partial<RestartPolicy>;
    onEvent?: (event: SupervisorEvent) => void;
  },
): Supervisor {
  const { launch, waitReady } = o;
  const byName = new Map(o.instances.map((a) => [a.instance, a]));
  const supervisor = createSupervisor({
    restartWith: ({ app, kind }) =>
      kind === 'sidecar' && byName.get(app)?.spec.dapr.apis.includes('workflows') ? { app, kind: 'app' } : undefined,
    start: ({ app, kind }) => {
      const a = byName.get(app)!;
      if (kind === 'sidecar') a.sidecar = launch.sidecar(a);
      else a.app = launch.app(a);
      const started = kind === 'sidecar' ? a.sidecar : a.app;
      // Only the restarted process's death fails it: its partner may be restarting too.
      return { process: started, ready: waitReady(a, [started]) };
    },
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    ...(o.policy ? { policy: o.policy } : {}),
  });
  for (const a of o.instances) {
    supervisor.watch({ app: a.instance, kind: 'app' }, a.app);
    supervisor.watch({ app: a.instance, kind: 'sidecar' }, a.sidecar);
  }
  return supervisor;
}

/** The handle a caller drives the running platform with; with a `supervisor`, restarted processes are watched again. */
export function platformHandle(
  o: Running & {
    apps: Record<string, RunningApp>;
    /** Instances beyond the first of each app, started with the platform. */
    replicas: RunningApp[];
    dataDir: string;
    infra: PlatformInfra;
    supervisor: Supervisor | undefined;
    stop: () => Promise<void>;
  },
): Platform {
  const { apps, launch, waitReady, supervisor } = o;
  // Those started with the platform are stopped by o.stop; those addReplica starts, here.
  const added: RunningApp[] = [];
  const replicas = () => [...o.replicas, ...added];
  const instancesOf = (id: string) => [appOf(id), ...replicas().filter((r) => r.spec.id === id)];
  const appOf = (id: string) => {
    const a = apps[id];
    if (!a) throw new Error(`no app ${id}`);
    return a;
  };
  const statusOf = (a: RunningApp, kind: UnitKey['kind']): ProcessStatus => {
    const p = kind === 'app' ? a.app : a.sidecar;
    const lastExit = p.running ? null : { code: p.exitCode ?? null, signal: p.exitSignal ?? null };
    return (
      supervisor?.status({ app: a.instance, kind }) ?? {
        running: p.running,
        state: p.running ? 'up' : 'down',
        restarts: 0,
        lastExit,
      }
    );
  };
  return {
    gatewayUrl: apps.gateway?.appUrl ?? '',
    mqttUrl: o.infra.mqttUrl,
    dataDir: o.dataDir,
    apps,
    brokerProxy: o.infra.brokerProxy,
    instances: instancesOf,
    async stop() {
      await Promise.all(added.map((r) => r.app.stop()));
      await Promise.all(added.map((r) => r.sidecar.stop()));
      await o.stop();
    },
    async addReplica(id) {
      const base = appOf(id);
      const replica = launchApp({
        launch,
        spec: base.spec,
        ports: await allocatePorts(APP_PORT_COUNT),
        replica: instancesOf(id).length + 1,
      });
      added.push(replica);
      await waitReady(replica);
      supervisor?.watch({ app: replica.instance, kind: 'app' }, replica.app);
      supervisor?.watch({ app: replica.instance, kind: 'sidecar' }, replica.sidecar);
      return replica;
    },
    async restartApp(id) {
      const a = appOf(id);
      await a.app.stop();
      a.app = launch.app(a);
      await waitReady(a);
      supervisor?.watch({ app: id, kind: 'app' }, a.app);
    },
    async crash(id) {
      const a = appOf(id);
      await Promise.all([a.app.kill(), a.sidecar.kill()]);
    },
    async revive(id) {
      const a = appOf(id);
      if (supervisor)
        throw new Error('revive is for an unsupervised platform: a supervised one restarts what crashed by itself');
      relaunchInstance(launch, a);
      await waitReady(a);
    },
    status: () =>
      Object.fromEntries(
        [...Object.values(apps), ...replicas()].map((a) => [
          a.instance,
          { app: statusOf(a, 'app'), sidecar: statusOf(a, 'sidecar') },
        ]),
      ),
  };
}
