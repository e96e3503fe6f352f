import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  allocatePorts,
  daprBinDir,
  identityToken,
  loadApps,
  repoPath,
  startControlPlane,
  startEmbeddedBroker,
} from '@meridian/platform';
import { daprdShim, runtimeEnv } from './dapr-run-shim.ts';

// The control plane `dapr run -f .` runs against, kept by `npm run prepare-run` in the
// background: sentry, placement and scheduler, and the MQTT broker of the local profile. The
// Dapr CLI starts each daprd from <home>/dapr-runtime/.dapr/bin/daprd (dapr.yaml's runtimePath):
// a shim that adds what CLI 1.12 does not pass to daprd 1.18 (the scheduler, this sentry and
// placement, the trust anchors, the app's identity token). It stops on SIGTERM (prepare-run --stop).
const home = resolve(process.env.MERIDIAN_HOME ?? repoPath('.meridian'));
const say = (line: string) => process.stdout.write(`${line}\n`);

const cp = await startControlPlane({ binDir: daprBinDir(), home, onLine: (name, line) => say(`${name}: ${line}`) });
const broker = await startEmbeddedBroker({ port: (await allocatePorts(1))[0]! });

// One identity token per app id: sentry certifies a daprd only for the id its token names.
const identity = join(home, 'identity');
mkdirSync(identity, { recursive: true, mode: 0o700 });
for (const app of loadApps()) {
  const token = identityToken({ key: cp.identityKey, appId: app.id, controlPlaneTrustDomain: cp.trustDomain });
  writeFileSync(join(identity, `${app.id}.jwt`), token, { mode: 0o600 });
}
const anchors = join(home, 'ca', 'ca.crt');
const envFile = join(home, 'control-plane.env');
const bin = join(home, 'dapr-runtime', '.dapr', 'bin');
mkdirSync(bin, { recursive: true });
writeFileSync(join(bin, 'daprd'), daprdShim({ envFile, identityDir: identity }));
chmodSync(join(bin, 'daprd'), 0o755);
writeFileSync(
  envFile,
  runtimeEnv({
    pid: process.pid,
    daprd: join(cp.binDir, 'daprd'),
    sentry: cp.sentryAddress,
    placement: cp.placementAddress,
    scheduler: cp.schedulerAddress,
    trustDomain: cp.trustDomain,
    trustAnchorsFile: anchors,
    brokerUrl: broker.url,
  }),
  { mode: 0o600 },
);
say(
  `ready: sentry ${cp.sentryAddress}, placement ${cp.placementAddress}, scheduler ${cp.schedulerAddress}, mqtt ${broker.url}`,
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  rmSync(envFile, { force: true });
  await broker.close();
  await cp.stop();
  say('stopped');
  process.exit(0);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop());
