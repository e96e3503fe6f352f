import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AppSpec } from './apps.ts';
import type { ControlPlaneInfo } from './control-plane.ts';
import { appConfiguration } from './dapr-configuration.ts';
import { ManagedProcess } from './managed-process.ts';
import { repoPath, repoRoot } from './paths.ts';
import { SIDECAR_PORT_COUNT, sidecarPorts, startSidecar, type SidecarPorts } from './sidecar.ts';

export interface RunningApp {
  spec: AppSpec;
  /** The app id for its first instance, `<id>-<n>` for the n-th (its log file and supervision name). */
  instance: string;
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

/** What starting an app's process or its sidecar needs of it: the same on a first start and on every restart. */
export type AppSlot = Pick<RunningApp, 'spec' | 'appPort' | 'sidecarPorts' | 'daprToken' | 'appToken'> & {
  /** A second or later replica of the app: its own processes, ports, tokens and log files. */
  replica?: number;
};

/** Starts the processes of one platform: every app and sidecar gets the same environment and components. */
export interface AppLauncher {
  app(slot: AppSlot): ManagedProcess;
  sidecar(slot: AppSlot): ManagedProcess;
}

export interface AppLauncherOptions {
  cp: ControlPlaneInfo;
  dataDir: string;
  /** The environment every app and sidecar shares (brokers, model repository, the caller's env). */
  env: Record<string, string>;
  /** Component folders every sidecar loads. */
  resources: string[];
  /** Each app's bundle (app id → file, appBundle): what its node process runs. */
  bundles: Record<string, string>;
  logLevel?: string;
  daprLogLevel?: string;
  onLine?: (name: string, line: string) => void;
  /** Where spans go: each sidecar exports to `otlpGrpcAddress` (host:port), each app to `otlpHttpUrl` (a base URL). */
  tracing?: { otlpGrpcAddress: string; otlpHttpUrl: string };
  /** Benchmarks: every sidecar serves Go's pprof on its profile port (`--enable-profiling`). */
  profiling?: boolean;
}

/** Ports one app takes: its own, then its sidecar's. */
export const APP_PORT_COUNT = SIDECAR_PORT_COUNT + 1;

/** A fresh random token per app and platform start: nothing to configure, nothing reusable after a stop. */
const newToken = () => randomBytes(24).toString('base64url');

function withToken(url: string, token: string) {
  return (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), 'dapr-api-token': token },
    });
}

const instanceName = (slot: AppSlot) => (slot.replica ? `${slot.spec.id}-${slot.replica}` : slot.spec.id);

const tokensOf = (slot: AppSlot) => ({ DAPR_API_TOKEN: slot.daprToken, APP_API_TOKEN: slot.appToken });

/**
 * daprd names its spans' service after the app id, as the app does, and adds no SDK attributes to
 * its resource: this one (daprd reads OTEL_RESOURCE_ATTRIBUTES) tells its spans from the app's.
 */
const SIDECAR_RESOURCE = { OTEL_RESOURCE_ATTRIBUTES: 'telemetry.sdk.language=go' };

/**
 * The app's committed Configuration (configuration/apps/<id>.yaml); with tracing, this run's own
 * copy in `<dataDir>/configuration/`, the same one plus the OTLP exporter (the collector's port
 * changes from run to run, and the committed files must not).
 */
function configurationFile(o: AppLauncherOptions, spec: AppSpec): string {
  if (!o.tracing) return repoPath('configuration', 'apps', `${spec.id}.yaml`);
  const dir = join(o.dataDir, 'configuration');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${spec.id}.yaml`);
  const config = appConfiguration(spec, { selfHosted: true, tracing: o.tracing });
  writeFileSync(file, stringify(config, { lineWidth: 0 }));
  return file;
}

function bundleOf(o: AppLauncherOptions, spec: AppSpec): string {
  const bundle = o.bundles[spec.id];
  if (!bundle) throw new Error(`no bundle of ${spec.id} was built for this platform`);
  return bundle;
}

export function appLauncher(o: AppLauncherOptions): AppLauncher {
  const onLine = o.onLine ? { onLine: o.onLine } : {};
  return {
    app: (slot) =>
      new ManagedProcess({
        name: instanceName(slot),
        command: process.execPath,
        args: ['--enable-source-maps', bundleOf(o, slot.spec)],
        cwd: repoRoot,
        env: {
          ...process.env,
          ...o.env,
          APP_ID: slot.spec.id,
          APP_PORT: `${slot.appPort}`,
          DAPR_HTTP_PORT: `${slot.sidecarPorts.http}`,
          DAPR_GRPC_PORT: `${slot.sidecarPorts.grpc}`,
          ...tokensOf(slot),
          LOG_LEVEL: o.logLevel ?? 'info',
          ...(o.tracing ? { OTEL_EXPORTER_OTLP_ENDPOINT: o.tracing.otlpHttpUrl } : {}),
        },
        logFile: join(o.dataDir, 'logs', `${instanceName(slot)}.log`),
        ...onLine,
      }),
    sidecar: (slot) =>
      startSidecar({
        appId: slot.spec.id,
        appPort: slot.appPort,
        ports: slot.sidecarPorts,
        cp: o.cp,
        dataDir: o.dataDir,
        config: configurationFile(o, slot.spec),
        resources: o.resources,
        env: { ...o.env, ...tokensOf(slot), ...(o.tracing ? SIDECAR_RESOURCE : {}) },
        ...(o.daprLogLevel ? { logLevel: o.daprLogLevel } : {}),
        ...(o.profiling ? { profiling: true } : {}),
        ...(slot.replica ? { instance: instanceName(slot) } : {}),
        ...onLine,
      }),
  };
}

/** Starts an instance's sidecar and app again on its ports with its tokens (both are down). */
export function relaunchInstance(launch: AppLauncher, a: RunningApp): void {
  a.sidecar = launch.sidecar(a);
  a.app = launch.app(a);
}

/** Instances per app (`replicas` in apps/apps.json, default 1). */
export const instanceCount = (specs: AppSpec[]) => specs.reduce((n, s) => n + (s.replicas ?? 1), 0);

/**
 * Starts every instance of every app with its own sidecar, all at once, each on APP_PORT_COUNT of
 * `ports` (the gateway's first instance on `gatewayPort` when given). Each app has its own SQLite
 * file (components/state/sqlite), so no two apps' sidecars create one together. Returns the first
 * instance of each app and the further replicas, without waiting for any to be ready.
 */
export function startApps(o: { specs: AppSpec[]; ports: number[]; gatewayPort?: number; launch: AppLauncher }): {
  apps: Record<string, RunningApp>;
  replicas: RunningApp[];
} {
  const ports = [...o.ports];
  const apps: Record<string, RunningApp> = {};
  const replicas: RunningApp[] = [];
  for (const spec of o.specs) {
    for (let n = 1; n <= (spec.replicas ?? 1); n++) {
      const [own, ...dapr] = ports.splice(0, APP_PORT_COUNT) as [number, ...number[]];
      const first = n === 1;
      const instance = launchApp({
        launch: o.launch,
        spec,
        ports: [first && spec.id === 'gateway' && o.gatewayPort ? o.gatewayPort : own, ...dapr],
        ...(first ? {} : { replica: n }),
      });
      if (first) apps[spec.id] = instance;
      else replicas.push(instance);
    }
  }
  return { apps, replicas };
}

/** One instance of an app and its sidecar on APP_PORT_COUNT ports (the app's first), with fresh tokens. */
export function launchApp(o: { launch: AppLauncher; spec: AppSpec; ports: number[]; replica?: number }): RunningApp {
  const [appPort, ...dapr] = o.ports as [number, ...number[]];
  const slot: AppSlot = {
    spec: o.spec,
    appPort,
    sidecarPorts: sidecarPorts(dapr),
    daprToken: newToken(),
    appToken: newToken(),
    ...(o.replica ? { replica: o.replica } : {}),
  };
  const sidecar = o.launch.sidecar(slot);
  const app = o.launch.app(slot);
  const appUrl = `http://127.0.0.1:${slot.appPort}`;
  const daprUrl = `http://127.0.0.1:${slot.sidecarPorts.http}`;
  return {
    ...slot,
    instance: instanceName(slot),
    app,
    sidecar,
    appUrl,
    daprUrl,
    fetchDapr: withToken(daprUrl, slot.daprToken),
    fetchApp: withToken(appUrl, slot.appToken),
  };
}
