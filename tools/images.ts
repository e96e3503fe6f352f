// `npm run images [-- app ... --dry-run --engine docker|podman --node-image <image>]`: builds
// meridian/<app>:<version> from the Dockerfile's target per app with whichever engine runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadApps, repoPath, repoRoot } from '@meridian/platform';
import {
  ENGINES,
  IMAGES_USAGE,
  chooseEngine,
  nestedWorkspaceModules,
  parseImagesArgs,
  planImageBuilds,
  selectApps,
  shellCommand,
  targetProblems,
  type Engine,
  type EngineProbe,
} from './images-plan.ts';

const say = (msg: string) => process.stdout.write(`[meridian] ${msg}\n`);
function fail(msg: string, code = 1): never {
  process.stderr.write(`[meridian] ${msg}\n`);
  process.exit(code);
}

function probe(engine: Engine): EngineProbe {
  const run = spawnSync(engine, ['info'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return { engine, ok: false, detail: code === 'ENOENT' ? 'not installed' : run.error.message };
  }
  const lastLine = `${run.stderr}`.trim().split('\n').filter(Boolean).at(-1) ?? '';
  return { engine, ok: run.status === 0, detail: lastLine || `exit ${run.status}` };
}

function revision(): string | undefined {
  const run = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

function imageSize(engine: Engine, tag: string): string {
  const run = spawnSync(engine, ['image', 'inspect', '--format', '{{.Size}}', tag], { encoding: 'utf8' });
  const bytes = Number(run.stdout.trim());
  return run.status === 0 && bytes > 0 ? `${(bytes / 1e6).toFixed(0)} MB` : 'size unknown';
}

const args = parseImagesArgs(process.argv.slice(2));
if ('error' in args) fail(`${args.error}\n${IMAGES_USAGE}`, 2);
const { names, dryRun, engine: wanted, nodeImage } = args;

const apps = loadApps().map((a) => ({ id: a.id, port: a.port }));
const selection = selectApps(apps, names);
if (selection.unknown.length)
  fail(`no such app: ${selection.unknown.join(', ')} (apps: ${apps.map((a) => a.id).join(', ')})`, 2);

const problems = targetProblems(apps, readFileSync(repoPath('Dockerfile'), 'utf8'));
if (problems.length) fail(`the Dockerfile does not match apps/apps.json:\n  ${problems.join('\n  ')}`);
const nested = nestedWorkspaceModules(JSON.parse(readFileSync(repoPath('package-lock.json'), 'utf8')));
if (nested.length) fail(`the images resolve packages from /app/node_modules only, but the lockfile nests: ${nested}`);

const probes = (wanted ? [wanted] : ENGINES).map(probe);
const chosen = chooseEngine(probes);
if ('error' in chosen && !dryRun) fail(chosen.error);
if ('error' in chosen) say(`${chosen.error.split('\n')[0]}: showing the docker commands`);
const engine = 'engine' in chosen ? chosen.engine : (wanted ?? 'docker');

const version = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version;
const rev = revision();
const builds = planImageBuilds({
  apps: selection.apps,
  engine,
  version,
  ...(rev ? { revision: rev } : {}),
  ...(nodeImage ? { nodeImage } : {}),
});

if (dryRun) {
  for (const b of builds) process.stdout.write(`${shellCommand(b.argv)}\n`);
  process.exit(0);
}

const built: string[] = [];
for (const b of builds) {
  say(`building ${b.tag} with ${engine}`);
  say(`$ ${shellCommand(b.argv)}`);
  const started = Date.now();
  const run = spawnSync(b.argv[0] as string, b.argv.slice(1), { cwd: repoRoot, stdio: 'inherit' });
  if (run.status !== 0) fail(`building ${b.tag} failed (${run.error?.message ?? `exit ${run.status}`})`);
  built.push(`${b.tag}  ${((Date.now() - started) / 1000).toFixed(0)} s  ${imageSize(engine, b.tag)}`);
}
say(`built ${built.length} image(s):`);
for (const line of built) process.stdout.write(`  ${line}\n`);
