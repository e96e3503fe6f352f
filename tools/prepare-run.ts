import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDevSecrets, repoPath, waitFor } from '@meridian/platform';

// Prepares .meridian/ for `dapr run -f .` and keeps its control plane running in the background:
// the local secret store's file, the tokens every daprd and app of that run require (the CLI hands
// its own environment to every daprd, so one pair serves all apps there; `npm start` gives each
// app its own), and tools/control-plane.ts (sentry, placement, scheduler, the MQTT broker and the
// daprd shim). `--stop` stops that control plane. Models come from the registry, where the training
// app registers its first versions when it starts.
const home = resolve(process.env.MERIDIAN_HOME ?? repoPath('.meridian'));
const envFile = join(home, 'control-plane.env');
const say = (msg: string) => process.stdout.write(`[meridian] ${msg}\n`);

/** The pid of the running control plane, if its environment file names a live one. */
function running(): number | undefined {
  if (!existsSync(envFile)) return undefined;
  const pid = Number(/^MERIDIAN_CONTROL_PLANE_PID='(\d+)'$/m.exec(readFileSync(envFile, 'utf8'))?.[1]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

if (process.argv.includes('--stop')) {
  const pid = running();
  if (!pid) say('the control plane of dapr run is not running');
  else {
    process.kill(pid, 'SIGTERM');
    await waitFor({ what: 'the control plane to stop', timeoutMs: 30_000, check: async () => running() === undefined });
    say(`stopped the control plane (pid ${pid})`);
  }
  process.exit(0);
}

mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
chmodSync(home, 0o700);
ensureDevSecrets(home);
const token = () => randomBytes(24).toString('base64url');
const tokens = join(home, 'run.env');
writeFileSync(tokens, `DAPR_API_TOKEN=${token()}\nAPP_API_TOKEN=${token()}\n`, { mode: 0o600 });

if (running()) say(`the control plane is already running (pid ${running()})`);
else {
  const log = join(home, 'logs', 'control-plane.log');
  const child = spawn(process.execPath, ['--import', 'tsx', repoPath('tools/control-plane.ts')], {
    cwd: repoPath(),
    env: { ...process.env, MERIDIAN_HOME: home },
    detached: true,
    stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
  });
  let exited: string | undefined;
  child.on('exit', (code) => (exited = `the control plane exited with code ${code}; see ${log}`));
  await waitFor({
    what: 'the control plane',
    timeoutMs: 120_000,
    abort: () => exited,
    check: async () => running() === child.pid,
  });
  child.unref();
  say(`control plane running (pid ${child.pid}, log ${log}); stop it with 'npm run prepare-run -- --stop'`);
}
say(`prepared ${home} for 'dapr run -f .': load ${tokens} into the shell first (set -a; . ${tokens}; set +a)`);
process.exit(0);
