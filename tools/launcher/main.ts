import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  daprBinDir,
  describePlatform,
  FETCH_BAD_PORTS,
  isPortFree,
  repoPath,
  reservePorts,
  resolveStack,
  startControlPlane,
  removePlatformState,
  scrapeTargets,
  startObservability,
  startPlatform,
  writePlatformState,
  type ControlPlane,
  type Observability,
  type Platform,
  type SupervisorEvent,
} from '@meridian/platform';
import { busyPorts, observabilitySettings } from './observability.ts';
import { describeSupervision, observabilityLines, printer } from './printer.ts';

const home = process.env.MERIDIAN_HOME ?? repoPath('.meridian');
const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8080);
const pidFile = join(home, 'launcher.pid');
const say = (msg: string) => process.stdout.write(`[meridian] ${msg}\n`);

/** A pid file only blocks a start while its process is still a running launcher. */
function claimPidFile(): void {
  mkdirSync(home, { recursive: true });
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const cmdline = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (pid !== process.pid && cmdline.includes('bootstrap.mjs')) {
      say(`Meridian is already running (launcher pid ${pid}); stop it with Ctrl-C or 'kill ${pid}' first`);
      process.exit(1);
    }
    say('the previous run did not stop cleanly; the scheduler waits ~20s for its old leadership lease to expire');
  }
  writeFileSync(pidFile, `${process.pid}`);
}

/** Why the gateway cannot listen on `port`: nothing, or one line saying so. */
async function gatewayPortProblems(port: number): Promise<string[]> {
  if (FETCH_BAD_PORTS.has(port))
    return [`port ${port} is one that browsers and fetch refuse to connect to; set another GATEWAY_PORT`];
  if (!(await isPortFree(port))) return [`port ${port} is in use; stop what holds it or set GATEWAY_PORT`];
  return [];
}

async function main(): Promise<void> {
  // Everything the platform writes (keys, state, logs) is readable by this user only.
  process.umask(0o077);
  const stack = resolveStack(process.env.MERIDIAN_STACK ?? 'local');
  const { settings: observe, problems } = observabilitySettings(process.env);
  if (problems.length) {
    for (const p of problems) say(p);
    process.exit(1);
  }
  claimPidFile();
  const busy = [...(await gatewayPortProblems(gatewayPort)), ...(observe ? await busyPorts(observe) : [])];
  if (busy.length) {
    for (const line of busy) say(line);
    process.exit(1);
  }
  reservePorts([gatewayPort, ...Object.values(observe?.ports ?? {})]);
  const print = printer({ verbose: process.env.MERIDIAN_VERBOSE === '1' });
  let cp: ControlPlane | undefined;
  let platform: Platform | undefined;
  let observability: Observability | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    // Outside sidecars (npm run sidecar) read it to join the platform: not while it stops.
    removePlatformState(home, process.pid);
    await platform?.stop();
    await observability?.stop();
    await cp?.stop();
    rmSync(pidFile, { force: true });
    say('stopped');
    process.exit(code);
  };
  // A process that dies is restarted by the platform's supervisor; one that keeps failing at start ends the run.
  const report = (event: SupervisorEvent) => {
    if (stopping) return;
    const { line, tail } = describeSupervision(event);
    say(line);
    for (const l of tail) process.stdout.write(`${l}\n`);
    if (event.type === 'gave-up') void stop(1);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(130);
      void stop(0);
    });
  }
  // If whoever started us (npm) dies, take everything down with us.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void stop(0), 1000).unref();

  const started = Date.now();
  say(
    `stack: ${Object.entries(stack.choices)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} (MERIDIAN_STACK=${stack.name})`,
  );
  try {
    // First: a port it wants may be taken, and a first Jaeger build takes minutes; both before anything else runs.
    if (observe) observability = await startObservability({ dataDir: home, ...observe, onLine: print });
    cp = await startControlPlane({ binDir: daprBinDir(), home, onLine: print });
    say(
      `control plane up: sentry ${cp.sentryAddress}, placement ${cp.placementAddress}, scheduler ${cp.schedulerAddress}`,
    );
    platform = await startPlatform({
      cp,
      stack,
      dataDir: home,
      gatewayPort,
      onLine: print,
      supervise: true,
      onSupervision: report,
      ...(observability ? { tracing: observability.tracing } : {}),
    });
    await observability?.scrape(scrapeTargets(platform, { dataDir: home }));
  } catch (err) {
    say(`failed to start: ${(err as Error).message}`);
    await stop(1);
    return;
  }
  for (const a of Object.keys(platform.apps).flatMap((id) => platform!.instances(id))) {
    say(
      `${a.instance.padEnd(12)} app ${a.appUrl}  dapr http :${a.sidecarPorts.http} grpc :${a.sidecarPorts.grpc} metrics :${a.sidecarPorts.metrics}`,
    );
  }
  if (observability) for (const line of observabilityLines(observability)) say(line);
  writePlatformState(
    describePlatform({ home, pid: process.pid, cp, gatewayUrl: platform.gatewayUrl, stack: stack.name }),
  );
  say(
    `ready in ${((Date.now() - started) / 1000).toFixed(1)}s: gateway ${platform.gatewayUrl} (logs in ${join(home, 'logs')}; Ctrl-C stops)`,
  );
  say(`console: ${platform.gatewayUrl}/console`);
  say(
    `try: curl -H "Authorization: Bearer $(npm run --silent token -- --role predict)" ${platform.gatewayUrl}/v2/models/sensor-anomaly`,
  );
  say('another application calls in through a sidecar of its own: npm run sidecar -- --app-id example-client');
}

await main();
