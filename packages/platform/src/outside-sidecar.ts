import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import type { AppSpec } from './apps.ts';
import type { ControlPlaneInfo } from './control-plane.ts';
import { appConfiguration, selfHostedNameResolution } from './dapr-configuration.ts';
import type { ManagedProcess } from './managed-process.ts';
import { repoPath } from './paths.ts';
import { allocatePorts } from './ports.ts';
import { startSidecar, type SidecarPorts } from './sidecar.ts';
import { httpOk, waitFor } from './wait.ts';

/**
 * What a daprd started outside the launcher needs to join the running platform. The launcher
 * writes it to `<home>/platform.json` once the platform is ready and removes it as it stops.
 */
export const PlatformState = z.object({
  version: z.literal(1),
  /** The launcher's pid: the platform runs while it does. */
  pid: z.number().int().positive(),
  /** The platform's data dir: every daprd's working directory. */
  home: z.string(),
  gatewayUrl: z.string(),
  stack: z.string(),
  controlPlane: z.object({
    binDir: z.string(),
    sentryAddress: z.string(),
    placementAddress: z.string(),
    schedulerAddress: z.string(),
    trustDomain: z.string(),
    trustAnchorsFile: z.string(),
    /** The key sidecar identity tokens are signed with (readable by the platform's owner only). */
    identityKeyFile: z.string(),
  }),
  nameResolution: z.object({ component: z.literal('sqlite'), database: z.string() }),
  /** The Resiliency folder every sidecar loads (timeouts and retries per target app). */
  resiliency: z.string(),
});
export type PlatformState = z.infer<typeof PlatformState>;

export const platformStateFile = (home: string) => join(home, 'platform.json');

/** The state of a platform the launcher started with `cp` and data dir `home`. */
export function describePlatform(o: {
  home: string;
  pid: number;
  cp: ControlPlaneInfo;
  gatewayUrl: string;
  stack: string;
}): PlatformState {
  const home = resolve(o.home);
  return {
    version: 1,
    pid: o.pid,
    home,
    gatewayUrl: o.gatewayUrl,
    stack: o.stack,
    controlPlane: {
      binDir: o.cp.binDir,
      sentryAddress: o.cp.sentryAddress,
      placementAddress: o.cp.placementAddress,
      schedulerAddress: o.cp.schedulerAddress,
      trustDomain: o.cp.trustDomain,
      // startControlPlane keeps its CA and the identity key in <home>/ca.
      trustAnchorsFile: join(home, 'ca', 'ca.crt'),
      identityKeyFile: join(home, 'ca', 'identity-key.pem'),
    },
    // Self-hosted app Configurations name `nr.db`, relative to the daprd's working directory, the home.
    nameResolution: { component: 'sqlite', database: join(home, 'nr.db') },
    resiliency: repoPath('configuration', 'resiliency'),
  };
}

/** Written whole or not at all (rename), readable by its owner only. */
export function writePlatformState(state: PlatformState): void {
  const file = platformStateFile(state.home);
  const tmp = `${file}.${state.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Removes the state file if launcher `pid` wrote it (a launcher that never started leaves another's alone). */
export function removePlatformState(home: string, pid: number): void {
  const file = platformStateFile(home);
  try {
    if (JSON.parse(readFileSync(file, 'utf8')).pid !== pid) return;
  } catch {
    return;
  }
  rmSync(file, { force: true });
}

/** A live launcher with this pid (not a zombie, not another program that got its pid). */
export function launcherAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return !stat.includes(') Z ') && (cmdline.includes('bootstrap.mjs') || cmdline.includes('launcher/main.ts'));
  } catch {
    return true; // no /proc: kill(0) is all there is
  }
}

const START_FIRST = 'start it with npm start first';

/** The state of the platform running from `home`; throws a message a user can act on when there is none. */
export function readPlatformState(home: string, alive: (pid: number) => boolean = launcherAlive): PlatformState {
  const file = platformStateFile(home);
  if (!existsSync(file)) throw new Error(`Meridian is not running from ${home} (no ${file}): ${START_FIRST}`);
  let parsed: ReturnType<typeof PlatformState.safeParse>;
  try {
    parsed = PlatformState.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file} is not JSON (${(err as Error).message}); ${START_FIRST}`);
  }
  if (!parsed.success) throw new Error(`${file} is not a state file this version of Meridian writes; ${START_FIRST}`);
  if (!alive(parsed.data.pid))
    throw new Error(
      `Meridian is not running from ${home} (launcher pid ${parsed.data.pid}, which wrote ${file}, is gone): ${START_FIRST}`,
    );
  return parsed.data;
}

/**
 * The Configuration of an app outside Meridian, made like Meridian's own apps' (mTLS, tracing,
 * metrics, the platform's name resolution), whose sidecar serves it the invoke API alone
 * (deny by default) and whose access control lets no one call it: no Meridian app lists it.
 */
export function outsideConfiguration(o: { appId: string; nameResolutionDb: string }) {
  const spec: AppSpec = {
    id: o.appId,
    description: 'an application outside Meridian',
    entry: '',
    port: 1,
    dapr: { apis: ['invoke'], components: [], secrets: [] },
    operations: [],
  };
  const config = appConfiguration(spec, { selfHosted: true });
  return {
    ...config,
    spec: {
      ...config.spec,
      nameResolution: selfHostedNameResolution(o.nameResolutionDb),
    },
  };
}

/** Every operation of a Meridian app that lists `appId` among its callers. */
export function operationsFor(apps: AppSpec[], appId: string): { app: string; op: string }[] {
  return apps.flatMap((a) =>
    a.operations.filter((o) => o.callers.includes(appId)).map((o) => ({ app: a.id, op: o.op })),
  );
}

export interface OutsideSidecar {
  process: ManagedProcess;
  ports: SidecarPorts;
  url: string;
  /** Every call to the sidecar's API must carry it (`dapr-api-token`). */
  apiToken: string;
  /** With an app port: the sidecar sends it to the app on every call (`dapr-api-token`). */
  appToken: string | undefined;
  configFile: string;
  logFile: string;
}

const newToken = () => randomBytes(24).toString('base64url');

/**
 * Starts a real daprd for app `appId` against the running platform `state`: certified by its
 * sentry (with an identity token the platform's key signs), on its placement and scheduler, in
 * its name resolution, with its Resiliency and a fresh random API token. Returns without waiting.
 */
export async function startOutsideSidecar(o: {
  state: PlatformState;
  appId: string;
  httpPort: number;
  grpcPort?: number;
  appPort?: number;
  logLevel?: string;
  onLine?: (name: string, line: string) => void;
}): Promise<OutsideSidecar> {
  const { state } = o;
  const [grpc, internalGrpc, metrics, profile] = (await allocatePorts(4)) as [number, number, number, number];
  const ports: SidecarPorts = { http: o.httpPort, grpc: o.grpcPort ?? grpc, internalGrpc, metrics, profile };
  const dir = join(state.home, 'outside');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const configFile = join(dir, `${o.appId}.yaml`);
  const config = outsideConfiguration({ appId: o.appId, nameResolutionDb: state.nameResolution.database });
  writeFileSync(configFile, `# Written by npm run sidecar for ${o.appId}.\n${stringify(config, { lineWidth: 0 })}`);
  const cp: ControlPlaneInfo = {
    ...state.controlPlane,
    trustAnchors: readFileSync(state.controlPlane.trustAnchorsFile, 'utf8'),
    identityKey: readFileSync(state.controlPlane.identityKeyFile, 'utf8'),
  };
  const apiToken = newToken();
  const appToken = o.appPort ? newToken() : undefined;
  const daprd = startSidecar({
    appId: o.appId,
    ...(o.appPort ? { appPort: o.appPort } : {}),
    ports,
    cp,
    config: configFile,
    resources: [state.resiliency],
    dataDir: state.home,
    env: { DAPR_API_TOKEN: apiToken, ...(appToken ? { APP_API_TOKEN: appToken } : {}) },
    ...(o.logLevel ? { logLevel: o.logLevel } : {}),
    ...(o.onLine ? { onLine: o.onLine } : {}),
  });
  return {
    process: daprd,
    ports,
    url: `http://127.0.0.1:${ports.http}`,
    apiToken,
    appToken,
    configFile,
    logFile: join(state.home, 'logs', `${o.appId}-dapr.log`),
  };
}

/**
 * Until the sidecar can make calls (its outbound side: with an app port, daprd waits for the
 * app before it is fully healthy, and the app may well wait for its sidecar).
 */
export async function waitOutsideSidecar(s: OutsideSidecar, timeoutMs = 60_000): Promise<void> {
  await waitFor({
    what: `${s.process.opts.name} readiness`,
    timeoutMs,
    abort: () =>
      s.process.running
        ? undefined
        : `exited with code ${s.process.exitCode}; its last lines:\n${s.process.lastLines().join('\n')}`,
    check: () => httpOk(`${s.url}/v1.0/healthz/outbound`),
  });
}
