import { readFileSync } from 'node:fs';
import {
  isPortFree,
  launcherAlive,
  loadApps,
  operationsFor,
  platformStateFile,
  readPlatformState,
  repoPath,
  startOutsideSidecar,
  waitOutsideSidecar,
  type OutsideSidecar,
} from '@meridian/platform';
import { printer } from './launcher/printer.ts';
import { parseSidecarArgs, readyLines } from './sidecar-cli.ts';

/**
 * `npm run sidecar -- --app-id <id> --http-port <port>`: a real daprd for an application
 * outside Meridian, joined to the platform `npm start` runs from MERIDIAN_HOME (it reads
 * <home>/platform.json), with a fresh API token it prints. Ctrl-C stops it; so does the
 * platform stopping.
 */
const home = process.env.MERIDIAN_HOME ?? repoPath('.meridian');

/** The pid in <home>/platform.json, if there is one. */
function currentLauncher(dir: string): number | undefined {
  try {
    return JSON.parse(readFileSync(platformStateFile(dir), 'utf8')).pid;
  } catch {
    return undefined;
  }
}

const say = (msg: string) => process.stdout.write(`[meridian] ${msg}\n`);
const fail = (msg: string, code = 1): never => {
  process.stderr.write(`[meridian] ${msg}\n`);
  process.exit(code);
};

async function main(): Promise<void> {
  process.umask(0o077);
  const apps = loadApps();
  let args: ReturnType<typeof parseSidecarArgs>;
  try {
    args = parseSidecarArgs(process.argv.slice(2), [...apps.map((a) => a.id), 'sentry', 'placement', 'scheduler']);
  } catch (err) {
    return fail((err as Error).message, 2);
  }
  let state: ReturnType<typeof readPlatformState>;
  try {
    state = readPlatformState(home);
  } catch (err) {
    return fail((err as Error).message);
  }
  for (const [flag, p] of [
    ['--http-port', args.httpPort],
    ['--grpc-port', args.grpcPort],
  ] as const) {
    if (p !== undefined && !(await isPortFree(p))) fail(`port ${p} (${flag}) is in use; choose another`);
  }

  const print = printer({ verbose: args.verbose });
  let sidecar: OutsideSidecar | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await sidecar?.process.stop();
    say(`sidecar for ${args.appId} stopped`);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(130);
      void stop(0);
    });
  }
  // A sidecar of a platform that is gone can call nothing: stop with it, and with whoever started us.
  const parent = process.ppid;
  // The launcher removes platform.json as it starts to stop.
  const platformGone = () => !launcherAlive(state.pid) || currentLauncher(home) !== state.pid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
    else if (!stopping && platformGone()) {
      say(`the platform stopped (launcher pid ${state.pid}); stopping the sidecar for ${args.appId}`);
      void stop(1);
    }
  }, 1000).unref();

  try {
    sidecar = await startOutsideSidecar({
      state,
      appId: args.appId,
      httpPort: args.httpPort,
      ...(args.grpcPort ? { grpcPort: args.grpcPort } : {}),
      ...(args.appPort ? { appPort: args.appPort } : {}),
      onLine: print,
    });
    await waitOutsideSidecar(sidecar);
  } catch (err) {
    say(`the sidecar for ${args.appId} did not become ready: ${(err as Error).message}`);
    return void (await stop(1));
  }
  const lines = readyLines({
    appId: args.appId,
    url: sidecar.url,
    grpcPort: sidecar.ports.grpc,
    apiToken: sidecar.apiToken,
    appPort: args.appPort,
    appToken: sidecar.appToken,
    operations: operationsFor(apps, args.appId),
    gatewayUrl: state.gatewayUrl,
    logFile: sidecar.logFile,
  });
  // One write: a reader that sees the ready line also sees the token and the curl after it.
  process.stdout.write(
    `[meridian] ${lines[0]!}\n${lines
      .slice(1)
      .map((line) => `${line}\n`)
      .join('')}`,
  );
  const exit = await sidecar.process.exited;
  if (stopping) return;
  if (platformGone()) {
    say(`the platform stopped (launcher pid ${state.pid}); so did the sidecar for ${args.appId}`);
    return void (await stop(1));
  }
  say(`the sidecar for ${args.appId} exited (${exit.signal ?? `exit ${exit.code}`}); its last lines:`);
  for (const line of sidecar.process.lastLines(15)) process.stdout.write(`  ${line}\n`);
  await stop(1);
}

await main();
