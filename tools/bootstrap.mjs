#!/usr/bin/env node
// The entry of every npm script. It runs with nothing installed: it installs
// the npm dependencies when package-lock.json changed since the last install,
// provides the pinned Dapr binaries (tools/dapr/ensure.sh), then runs the
// command in this same process (so signals reach it directly).
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const log = (msg) => process.stderr.write(`[meridian] ${msg}\n`);

function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.meridian-installed');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  log('installing npm dependencies (npm ci)...');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    log(`npm ci failed (exit ${result.status}); fix the error above and run the command again`);
    process.exit(1);
  }
  writeFileSync(stamp, hash);
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
    await runTs('tools/launcher/main.ts', args);
    break;
  case 'test':
    ensureDapr();
    // Format and lint first (Biome: seconds), then types, then the tests.
    runBin('biome', ['ci', '--reporter=summary', '.']);
    runBin('tsc', ['-p', 'tsconfig.json', '--noEmit']);
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
  case 'token':
  case 'gen':
    await runTs(`tools/${command}.ts`, args);
    break;
  default:
    log(`unknown command "${command}" (start, test, token, gen, prepare-run, bench)`);
    process.exit(2);
}
