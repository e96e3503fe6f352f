// Builds the web console (packages/console, Vite) into packages/console/dist when its sources
// changed since the last build, so `npm start` and `npm test` always serve a current console
// and nothing is built at request time. Plain JavaScript: bootstrap.mjs runs it before tsx.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file the build reads (sources, config, the lock file for its dependencies), hashed in path order. */
function sourceHash(root, pkg) {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'dist' || name === 'node_modules') continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(pkg, path)).update('\0').update(readFileSync(path));
    }
  };
  walk(pkg);
  hash.update(readFileSync(join(root, 'package-lock.json')));
  return hash.digest('hex');
}

export function ensureConsole(root, log) {
  const pkg = join(root, 'packages', 'console');
  if (!existsSync(pkg)) return;
  const stamp = join(pkg, 'dist', '.meridian-built');
  const hash = sourceHash(root, pkg);
  const fresh = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === hash;
  if (fresh()) return;
  // One build at a time; a second caller waits, then finds the stamp written.
  const lockFile = join(root, '.meridian-console.lock');
  const result = spawnSync(
    'flock',
    [
      lockFile,
      'sh',
      '-c',
      '[ -f "$1" ] && [ "$(cat "$1")" = "$2" ] && exit 0; echo "[meridian] building the console (vite build)..." >&2; "$3" build --logLevel warn && printf %s "$2" > "$1"',
      'build',
      stamp,
      hash,
      join(root, 'node_modules', '.bin', 'vite'),
    ],
    { cwd: pkg, stdio: 'inherit' },
  );
  if (result.error || result.status !== 0 || !fresh()) {
    log(`the console build failed (exit ${result.status}); fix the error above and run the command again`);
    process.exit(1);
  }
}
