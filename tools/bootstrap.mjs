#!/usr/bin/env node
// The entry of every npm script. It runs with nothing installed: it installs
// the npm dependencies when package-lock.json changed since the last install,
// provides the pinned Dapr binaries (tools/dapr/ensure.sh), builds the web console when its
// sources changed (tools/build-console.mjs), then runs the command in this same process (so
// signals reach it directly).
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureConsole } from './build-console.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const log = (msg) => process.stderr.write(`[meridian] ${msg}\n`);

function installed(stamp, hash) {
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === hash;
}

// Two commands started at once on a fresh clone (npm start, then npm run token while the first
// still installs) must not both run npm ci: the second would delete the first one's node_modules.
// One install at a time (flock on a lock file beside package-lock.json); the second waits, then
// finds the stamp written and goes on.
function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.meridian-installed');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (installed(stamp, hash)) return;
  const lockFile = join(root, '.meridian-install.lock');
  const held = spawnSync('flock', ['-n', lockFile, 'true']);
  if (held.status !== 0) log('another npm command is installing the dependencies; waiting for it...');
  const result = spawnSync(
    'flock',
    [
      lockFile,
      'sh',
      '-c',
      // Checked again under the lock: the install we waited for may have done the work.
      '[ -f "$1" ] && [ "$(cat "$1")" = "$2" ] && exit 0; echo "[meridian] installing npm dependencies (npm ci)..." >&2; npm ci --no-audit --no-fund --loglevel=error && printf %s "$2" > "$1"',
      'install',
      stamp,
      hash,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.error || result.status !== 0 || !installed(stamp, hash)) {
    log(`npm ci failed (exit ${result.status}); fix the error above and run the command again`);
    process.exit(1);
  }
}

function ensureDapr() {
  if (process.env.MERIDIAN_DAPR_BIN_DIR) return;
  try {
    process.env.MERIDIAN_DAPR_BIN_DIR = execFileSync('bash', [join(root, 'tools/dapr/ensure.sh')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    }).trim();
  } catch {
    log('could not provide the Dapr runtime (see the message above)');
    process.exit(1);
  }
}

async function runTs(file, args) {
  const { register } = await import(pathToFileURL(join(root, 'node_modules/tsx/dist/esm/api/index.mjs')).href);
  register();
  process.argv = [process.argv[0], join(root, file), ...args];
  await import(pathToFileURL(join(root, file)).href);
}

function runBin(bin, args) {
  const result = spawnSync(join(root, 'node_modules/.bin', bin), args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const [command, ...args] = process.argv.slice(2);
ensureNodeModules();
switch (command) {
  case 'start':
    ensureDapr();
    ensureConsole(root, log);
    await runTs('tools/launcher/main.ts', args);
    break;
  case 'test':
    ensureDapr();
    ensureConsole(root, log);
    // Format and lint first (Biome: seconds), then types, then the tests.
    runBin('biome', ['ci', '--reporter=summary', '.']);
    runBin('tsc', ['-p', 'tsconfig.json', '--noEmit']);
    // The console is TSX for the browser (DOM, JSX): its own tsconfig.
    runBin('tsc', ['-p', 'packages/console/tsconfig.json', '--noEmit']);
    runBin('vitest', ['run', ...args]);
    break;
  case 'prepare-run':
    ensureDapr();
    await runTs('tools/prepare-run.ts', args);
    break;
  case 'bench':
    ensureDapr();
    await runTs(`tools/bench/${args[0]}.ts`, args.slice(1));
    break;
  case 'sidecar':
    ensureDapr();
    await runTs('tools/sidecar.ts', args);
    break;
  case 'images':
  case 'token':
  case 'gen':
    await runTs(`tools/${command}.ts`, args);
    break;
  default:
    log(`unknown command "${command}" (start, test, token, gen, prepare-run, bench, sidecar, images)`);
    process.exit(2);
}
