import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.ts';
import { allocatePorts } from './ports.ts';
import { repoPath } from './paths.ts';
import { controlPlaneSpiffeId, ensureIdentityKey, identityToken } from './sidecar-identity.ts';
import { httpOk, waitFor } from './wait.ts';

/** What sidecars need to join the control plane; plain data, so it can cross processes. */
export interface ControlPlaneInfo {
  binDir: string;
  sentryAddress: string;
  placementAddress: string;
  schedulerAddress: string;
  trustDomain: string;
  /** PEM of the root CA; daprd receives it as DAPR_TRUST_ANCHORS. */
  trustAnchors: string;
  /** PEM of the private key that signs sidecar identity tokens (sentry accepts no certificate request without one). */
  identityKey: string;
}

export interface ControlPlane extends ControlPlaneInfo {
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

export const CONTROL_PLANE_TRUST_DOMAIN = 'localhost';
const TRUST_DOMAIN = CONTROL_PLANE_TRUST_DOMAIN;

/**
 * Starts sentry (which creates a dev CA under <home>/ca on first run), then
 * placement and scheduler with TLS, every port chosen free. `home` keeps the
 * CA, the scheduler's etcd data and the logs.
 */
export async function startControlPlane(opts: {
  binDir: string;
  home: string;
  onLine?: (name: string, line: string) => void;
  logLevel?: string;
  timeoutMs?: number;
}): Promise<ControlPlane> {
  const ca = join(opts.home, 'ca');
  const logs = join(opts.home, 'logs');
  for (const dir of [ca, logs, join(opts.home, 'scheduler'), join(opts.home, 'identity')])
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  // configuration/sentry.yaml names this file (relative to sentry's working directory, the home).
  const identityKey = ensureIdentityKey({ caDir: ca, jwksFile: join(opts.home, 'identity-jwks.json') });
  const [
    sentry,
    sentryHealth,
    sentryMetrics,
    placement,
    placementHealth,
    placementMetrics,
    raft,
    scheduler,
    schedulerHealth,
    schedulerMetrics,
    etcdPeer,
    etcdClient,
  ] = (await allocatePorts(12)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const level = opts.logLevel ?? 'info';
  const local = ['--log-level', level];
  const bin = (name: string) => join(opts.binDir, name);
  const env = { ...process.env, NAMESPACE: 'default' };
  const processes: ManagedProcess[] = [];
  const start = (name: string, args: string[]) => {
    // Placement and scheduler prove their identity to sentry like every sidecar does.
    const service = name === 'placement' || name === 'scheduler' ? name : undefined;
    // Not in ca/: sentry watches its issuer folder and restarts its server on any change there,
    // refusing the sidecars that start meanwhile.
    const tokenFile = join(opts.home, 'identity', `${name}.jwt`);
    if (service)
      writeFileSync(
        tokenFile,
        identityToken({
          key: identityKey,
          spiffeId: controlPlaneSpiffeId(service, TRUST_DOMAIN),
          controlPlaneTrustDomain: TRUST_DOMAIN,
        }),
        { mode: 0o600 },
      );
    const p = new ManagedProcess({
      name,
      command: bin(name),
      args,
      cwd: opts.home,
      env: { ...env, ...(service ? { DAPR_SENTRY_TOKEN_FILE: tokenFile } : {}) },
      logFile: join(logs, `${name}.log`),
      ...(opts.onLine ? { onLine: opts.onLine } : {}),
    });
    processes.push(p);
    return p;
  };
  const died = () => {
    const dead = processes.find((p) => !p.running);
    return dead ? `${dead.opts.name} exited (${dead.exitCode}):\n${dead.lastLines().join('\n')}` : undefined;
  };
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const stop = async () => {
    await Promise.all(processes.reverse().map((p) => p.stop()));
  };

  try {
    const anchorsFile = join(ca, 'ca.crt');
    // Sentry writes these three in no set order: one missing (a start killed midway) means it writes again.
    const freshCa = !['ca.crt', 'issuer.crt', 'issuer.key'].every((f) => existsSync(join(ca, f)));
    const sentryArgs = [
      '--issuer-credentials',
      ca,
      '--trust-domain',
      TRUST_DOMAIN,
      '--config',
      repoPath('configuration/sentry.yaml'),
      '--listen-address',
      '127.0.0.1',
      '--port',
      `${sentry}`,
      '--healthz-listen-address',
      '127.0.0.1',
      '--healthz-port',
      `${sentryHealth}`,
      '--metrics-listen-address',
      '127.0.0.1',
      '--metrics-port',
      `${sentryMetrics}`,
      ...local,
    ];
    const sentryUp = () =>
      waitFor({
        what: 'sentry',
        timeoutMs,
        abort: died,
        check: async () => existsSync(anchorsFile) && (await httpOk(`http://127.0.0.1:${sentryHealth}/healthz`)),
      });
    const first = start('sentry', sentryArgs);
    await sentryUp();
    if (freshCa) {
      // On a new home sentry writes its CA into the folder it watches, and its watcher may then
      // restart the server (healthz included) two seconds later, refusing the sidecars that start
      // meanwhile. A sentry started on the CA already there writes nothing, so it is started again.
      await first.stop();
      processes.splice(processes.indexOf(first), 1);
      start('sentry', sentryArgs);
      await sentryUp();
    }
    const tls = [
      '--tls-enabled',
      '--trust-anchors-file',
      anchorsFile,
      '--sentry-address',
      `127.0.0.1:${sentry}`,
      '--trust-domain',
      TRUST_DOMAIN,
    ];
    start('placement', [
      '--listen-address',
      '127.0.0.1',
      '--port',
      `${placement}`,
      '--healthz-listen-address',
      '127.0.0.1',
      '--healthz-port',
      `${placementHealth}`,
      '--metrics-listen-address',
      '127.0.0.1',
      '--metrics-port',
      `${placementMetrics}`,
      '--initial-cluster',
      `dapr-placement-0=127.0.0.1:${raft}`,
      ...tls,
      ...local,
    ]);
    start('scheduler', [
      '--listen-address',
      '127.0.0.1',
      '--port',
      `${scheduler}`,
      '--healthz-listen-address',
      '127.0.0.1',
      '--healthz-port',
      `${schedulerHealth}`,
      '--metrics-listen-address',
      '127.0.0.1',
      '--metrics-port',
      `${schedulerMetrics}`,
      '--etcd-data-dir',
      join(opts.home, 'scheduler'),
      '--etcd-client-port',
      `${etcdClient}`,
      '--etcd-initial-cluster',
      `dapr-scheduler-server-0=http://127.0.0.1:${etcdPeer}`,
      '--identity-directory-write',
      join(opts.home, 'scheduler-identity'),
      ...tls,
      ...local,
    ]);
    await Promise.all([
      waitFor({
        what: 'placement',
        timeoutMs,
        abort: died,
        check: () => httpOk(`http://127.0.0.1:${placementHealth}/healthz`),
      }),
      waitFor({
        what: 'scheduler',
        timeoutMs,
        abort: died,
        check: () => httpOk(`http://127.0.0.1:${schedulerHealth}/healthz`),
      }),
    ]);
    return {
      binDir: opts.binDir,
      sentryAddress: `127.0.0.1:${sentry}`,
      placementAddress: `127.0.0.1:${placement}`,
      schedulerAddress: `127.0.0.1:${scheduler}`,
      trustDomain: TRUST_DOMAIN,
      trustAnchors: readFileSync(anchorsFile, 'utf8'),
      identityKey,
      processes,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
