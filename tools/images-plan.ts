// The pure half of `npm run images`: which images to build, with which engine command, and
// whether the Dockerfile still has a target per app of apps/apps.json (tools/images.ts does the I/O).

export const ENGINES = ['docker', 'podman'] as const;
export type Engine = (typeof ENGINES)[number];

export interface ImageApp {
  id: string;
  port: number;
}

export interface ImagesArgs {
  names: string[];
  dryRun: boolean;
  engine?: Engine;
  nodeImage?: string;
}

export const IMAGES_USAGE =
  'usage: npm run images -- [app ...] [--dry-run] [--engine docker|podman] [--node-image <image>]';

/** Command-line arguments; an error names the argument it could not take. */
export function parseImagesArgs(argv: string[]): ImagesArgs | { error: string } {
  const args: ImagesArgs = { names: [], dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') ? (arg.split(/=(.*)/s) as [string, string | undefined]) : [arg];
    const value = () => inline ?? argv[++i];
    if (flag === '--dry-run') args.dryRun = true;
    else if (flag === '--engine') {
      const engine = value();
      if (!ENGINES.includes(engine as Engine)) return { error: `--engine takes docker or podman, not "${engine}"` };
      args.engine = engine as Engine;
    } else if (flag === '--node-image') {
      const image = value();
      if (!image) return { error: '--node-image needs an image name' };
      args.nodeImage = image;
    } else if (arg.startsWith('-')) return { error: `unknown option ${arg}` };
    else args.names.push(arg);
  }
  return args;
}

export const imageTag = (id: string, version: string): string => `meridian/${id}:${version}`;

/** The apps named (all when none are), in apps.json order; names that are no app come back as `unknown`. */
export function selectApps(apps: ImageApp[], names: string[]): { apps: ImageApp[]; unknown: string[] } {
  const ids = new Set(apps.map((a) => a.id));
  return {
    apps: names.length ? apps.filter((a) => names.includes(a.id)) : apps,
    unknown: names.filter((n) => !ids.has(n)),
  };
}

export interface ImageBuild {
  app: string;
  tag: string;
  /** The engine's command line; argv[0] is the engine. Run from the repository root. */
  argv: string[];
}

export function planImageBuilds(o: {
  apps: ImageApp[];
  engine: Engine;
  version: string;
  revision?: string;
  nodeImage?: string;
}): ImageBuild[] {
  return o.apps.map((app) => {
    const tag = imageTag(app.id, o.version);
    const labels = {
      'org.opencontainers.image.title': `meridian-${app.id}`,
      'org.opencontainers.image.version': o.version,
      ...(o.revision ? { 'org.opencontainers.image.revision': o.revision } : {}),
    };
    return {
      app: app.id,
      tag,
      argv: [
        o.engine,
        'build',
        '--file',
        'Dockerfile',
        '--target',
        app.id,
        '--tag',
        tag,
        ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        ...(o.nodeImage ? ['--build-arg', `NODE_IMAGE=${o.nodeImage}`] : []),
        // Podman writes OCI images by default, which have no HEALTHCHECK.
        ...(o.engine === 'podman' ? ['--format', 'docker'] : []),
        '.',
      ],
    };
  });
}

export interface EngineProbe {
  engine: Engine;
  /** `<engine> info` exited 0. */
  ok: boolean;
  /** Why not, e.g. "not installed" or the engine's own message. */
  detail: string;
}

/** The first engine whose `info` answered, or a message naming everything that was tried. */
export function chooseEngine(probes: EngineProbe[]): { engine: Engine } | { error: string } {
  const running = probes.find((p) => p.ok);
  if (running) return { engine: running.engine };
  const tried = probes.map((p) => `  ${p.engine} info: ${p.detail}`).join('\n');
  return {
    error: `no container engine is running; tried:\n${tried}\nstart Docker or install Podman (docs/images.md), or pass --dry-run to see the commands`,
  };
}

/** A POSIX-shell rendering of a command line, for --dry-run. */
export const shellCommand = (argv: string[]): string =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');

interface Stage {
  from: string;
  exposes: number[];
  env: Map<string, string>;
}

/** The stages of a Dockerfile by name: what each is FROM, what it EXPOSEs and its one-line ENVs. */
export function dockerfileStages(text: string): Map<string, Stage> {
  const stages = new Map<string, Stage>();
  let current: Stage | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const keyword = instruction.toUpperCase();
    if (keyword === 'FROM') {
      current = { from: rest[0] ?? '', exposes: [], env: new Map() };
      if (rest[1]?.toUpperCase() === 'AS' && rest[2]) stages.set(rest[2], current);
    } else if (keyword === 'EXPOSE' && current) current.exposes.push(...rest.map((p) => Number.parseInt(p, 10)));
    else if (keyword === 'ENV' && current)
      for (const pair of rest.filter((p) => p.includes('='))) {
        const at = pair.indexOf('=');
        current.env.set(pair.slice(0, at), pair.slice(at + 1));
      }
  }
  return stages;
}

/** Where the Dockerfile's app targets (stages FROM `runtime`) and apps.json disagree. */
export function targetProblems(apps: ImageApp[], dockerfile: string): string[] {
  const stages = dockerfileStages(dockerfile);
  const targets = [...stages].filter(([, s]) => s.from === 'runtime').map(([name]) => name);
  const problems = targets
    .filter((t) => !apps.some((a) => a.id === t))
    .map((t) => `target ${t} is no app of apps/apps.json`);
  for (const app of apps) {
    const stage = stages.get(app.id);
    if (stage?.from !== 'runtime') {
      problems.push(`no target "${app.id}" (FROM runtime AS ${app.id})`);
      continue;
    }
    if (stage.exposes.join() !== `${app.port}`) problems.push(`${app.id} must EXPOSE ${app.port} only`);
    if (stage.env.get('APP_ID') !== app.id) problems.push(`${app.id} must set ENV APP_ID=${app.id}`);
    if (stage.env.get('APP_PORT') !== `${app.port}`) problems.push(`${app.id} must set ENV APP_PORT=${app.port}`);
  }
  return problems;
}

/**
 * Packages the lockfile installs inside a workspace folder (apps/x/node_modules/...): an image
 * resolves every package from /app/node_modules, so it would load the hoisted version instead.
 */
export function nestedWorkspaceModules(lock: { packages?: Record<string, unknown> }): string[] {
  return Object.keys(lock.packages ?? {}).filter((p) => /^(apps|packages)\/.*node_modules\//.test(p));
}
