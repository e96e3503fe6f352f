import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlPlaneInfo } from './control-plane.ts';
import { ManagedProcess } from './managed-process.ts';
import { identityToken } from './sidecar-identity.ts';
import { daprdGoEnv } from './daprd-env.ts';

export interface SidecarPorts {
  http: number;
  grpc: number;
  internalGrpc: number;
  metrics: number;
  profile: number;
}
export const SIDECAR_PORT_COUNT = 5;

export function sidecarPorts(p: number[]): SidecarPorts {
  const [http, grpc, internalGrpc, metrics, profile] = p as [number, number, number, number, number];
  return { http, grpc, internalGrpc, metrics, profile };
}

/**
 * A real daprd with mTLS from sentry, placement and scheduler over TLS, and
 * the app's own Configuration (name resolution, tracing, access control).
 * Its working directory is the data dir, where relative paths in component
 * YAML (state-<app>.db, secrets.json, artifacts/) and name resolution (nr.db) live.
 */
export function startSidecar(opts: {
  appId: string;
  appPort?: number;
  ports: SidecarPorts;
  cp: ControlPlaneInfo;
  config: string;
  resources: string[];
  dataDir: string;
  env?: Record<string, string>;
  logLevel?: string;
  onLine?: (name: string, line: string) => void;
  /** Names the process and its log file when it is not the app's first instance (`agents-2`). */
  instance?: string;
  /** The token sentry checks before it certifies this app id; by default one the platform's identity key signs. `null`: none (an impostor). */
  identityToken?: string | null;
  /** Serves Go's pprof (/debug/pprof/*) on the profile port. */
  profiling?: boolean;
}): ManagedProcess {
  const { ports, cp } = opts;
  const token =
    opts.identityToken === undefined
      ? identityToken({ key: cp.identityKey, appId: opts.appId, controlPlaneTrustDomain: cp.trustDomain })
      : opts.identityToken;
  const identityDir = join(opts.dataDir, 'identity');
  mkdirSync(identityDir, { recursive: true, mode: 0o700 });
  const tokenFile = join(identityDir, `${opts.appId}-${ports.http}.jwt`);
  if (token !== null) writeFileSync(tokenFile, token, { mode: 0o600 });
  const args = [
    '--app-id',
    opts.appId,
    ...(opts.appPort ? ['--app-port', `${opts.appPort}`, '--app-channel-address', '127.0.0.1'] : []),
    '--dapr-listen-addresses',
    '127.0.0.1',
    '--dapr-http-port',
    `${ports.http}`,
    '--dapr-grpc-port',
    `${ports.grpc}`,
    '--dapr-internal-grpc-port',
    `${ports.internalGrpc}`,
    '--dapr-internal-grpc-listen-address',
    '127.0.0.1',
    '--metrics-port',
    `${ports.metrics}`,
    '--metrics-listen-address',
    '127.0.0.1',
    '--profile-port',
    `${ports.profile}`,
    ...(opts.profiling ? ['--enable-profiling'] : []),
    '--enable-mtls',
    '--sentry-address',
    cp.sentryAddress,
    '--control-plane-trust-domain',
    cp.trustDomain,
    '--placement-host-address',
    cp.placementAddress,
    '--scheduler-host-address',
    cp.schedulerAddress,
    '--config',
    opts.config,
    ...opts.resources.flatMap((r) => ['--resources-path', r]),
    '--dapr-graceful-shutdown-seconds',
    '3',
    '--log-level',
    opts.logLevel ?? 'info',
  ];
  return new ManagedProcess({
    name: `${opts.instance ?? opts.appId}:dapr`,
    command: join(cp.binDir, 'daprd'),
    args,
    cwd: opts.dataDir,
    env: {
      // A GOGC already in the environment wins over ours.
      ...daprdGoEnv(),
      ...process.env,
      ...opts.env,
      NAMESPACE: 'default',
      DAPR_TRUST_ANCHORS: cp.trustAnchors,
      ...(token !== null ? { DAPR_SENTRY_TOKEN_FILE: tokenFile } : {}),
    },
    logFile: join(opts.dataDir, 'logs', `${opts.instance ?? opts.appId}-dapr.log`),
    ...(opts.onLine ? { onLine: opts.onLine } : {}),
  });
}
