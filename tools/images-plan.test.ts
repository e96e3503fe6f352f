import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadApps, repoPath } from '@meridian/platform';
import {
  chooseEngine,
  dockerfileStages,
  nestedWorkspaceModules,
  parseImagesArgs,
  planImageBuilds,
  selectApps,
  shellCommand,
  targetProblems,
} from './images-plan.ts';

const apps = [
  { id: 'gateway', port: 8080 },
  { id: 'inference', port: 8081 },
];

describe('the Dockerfile against apps/apps.json', () => {
  it('when both are read, then every app has a target FROM runtime with its port, APP_ID and APP_PORT, and nothing else is a target', () => {
    const real = loadApps().map((a) => ({ id: a.id, port: a.port }));
    expect(targetProblems(real, readFileSync(repoPath('Dockerfile'), 'utf8'))).toEqual([]);
  });

  it('when a target is missing, exposes another port or names no app, then each is a problem', () => {
    const dockerfile = [
      'FROM node AS runtime',
      'FROM runtime AS gateway',
      'ENV APP_ID=gateway \\',
      '    APP_PORT=9999',
      'EXPOSE 9999',
      'FROM runtime AS console',
    ].join('\n');
    expect(targetProblems(apps, dockerfile)).toEqual([
      'target console is no app of apps/apps.json',
      'gateway must EXPOSE 8080 only',
      'gateway must set ENV APP_PORT=8080',
      'no target "inference" (FROM runtime AS inference)',
    ]);
  });

  it('when ENV spans continued lines and comments sit between, then the stage still has every variable', () => {
    const stages = dockerfileStages('FROM x AS a\n# note\nENV A=1 \\\n    B=two\nexpose 80\n');
    expect(stages.get('a')).toEqual({
      from: 'x',
      exposes: [80],
      env: new Map([
        ['A', '1'],
        ['B', 'two'],
      ]),
    });
  });
});

describe('the lockfile', () => {
  it('when read, then no workspace nests packages an image would not find in /app/node_modules', () => {
    expect(nestedWorkspaceModules(JSON.parse(readFileSync(repoPath('package-lock.json'), 'utf8')))).toEqual([]);
  });

  it('when a workspace nests a package, then it is named', () => {
    const lock = {
      packages: { 'node_modules/zod': {}, 'apps/inference/node_modules/zod': {}, 'tools/node_modules/x': {} },
    };
    expect(nestedWorkspaceModules(lock)).toEqual(['apps/inference/node_modules/zod']);
  });
});

describe('planImageBuilds', () => {
  it('when podman builds, then each app gets its target, version tag and labels, in the docker format', () => {
    const [gateway] = planImageBuilds({ apps, engine: 'podman', version: '1.2.3', revision: 'abc1234' });
    expect(gateway).toEqual({
      app: 'gateway',
      tag: 'meridian/gateway:1.2.3',
      argv: [
        'podman',
        'build',
        '--file',
        'Dockerfile',
        '--target',
        'gateway',
        '--tag',
        'meridian/gateway:1.2.3',
        '--label',
        'org.opencontainers.image.title=meridian-gateway',
        '--label',
        'org.opencontainers.image.version=1.2.3',
        '--label',
        'org.opencontainers.image.revision=abc1234',
        '--format',
        'docker',
        '.',
      ],
    });
  });

  it('when docker builds on another base image, then NODE_IMAGE is a build argument and no --format is passed', () => {
    const builds = planImageBuilds({ apps, engine: 'docker', version: '0.1.0', nodeImage: 'node:20-bookworm' });
    expect(builds.map((b) => b.tag)).toEqual(['meridian/gateway:0.1.0', 'meridian/inference:0.1.0']);
    expect(builds[1]?.argv).toContain('NODE_IMAGE=node:20-bookworm');
    expect(builds[1]?.argv).not.toContain('--format');
    expect(builds[1]?.argv.join(' ')).not.toContain('revision');
  });
});

describe('selectApps', () => {
  it('when no names are given, then every app is selected', () => {
    expect(selectApps(apps, [])).toEqual({ apps, unknown: [] });
  });

  it('when names are given, then those apps in apps.json order, and names of no app are unknown', () => {
    expect(selectApps(apps, ['inference', 'nope', 'gateway'])).toEqual({ apps, unknown: ['nope'] });
  });
});

describe('chooseEngine', () => {
  it('when docker does not answer and podman does, then podman', () => {
    const probes = [
      { engine: 'docker' as const, ok: false, detail: 'Cannot connect to the Docker daemon' },
      { engine: 'podman' as const, ok: true, detail: '' },
    ];
    expect(chooseEngine(probes)).toEqual({ engine: 'podman' });
  });

  it('when neither answers, then the error names what was tried and why each failed', () => {
    const result = chooseEngine([
      { engine: 'docker', ok: false, detail: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock' },
      { engine: 'podman', ok: false, detail: 'not installed' },
    ]);
    expect('error' in result && result.error).toContain(
      'docker info: Cannot connect to the Docker daemon at unix:///var/run/docker.sock\n  podman info: not installed',
    );
  });
});

describe('parseImagesArgs', () => {
  it('when apps and options are mixed, then each is taken, with or without =', () => {
    expect(parseImagesArgs(['gateway', '--dry-run', '--engine=podman', '--node-image', 'n:20', 'agents'])).toEqual({
      names: ['gateway', 'agents'],
      dryRun: true,
      engine: 'podman',
      nodeImage: 'n:20',
    });
  });

  it('when an option is unknown or an engine is not docker or podman, then an error says which', () => {
    expect(parseImagesArgs(['--push'])).toEqual({ error: 'unknown option --push' });
    expect(parseImagesArgs(['--engine', 'nerdctl'])).toEqual({
      error: '--engine takes docker or podman, not "nerdctl"',
    });
    expect(parseImagesArgs(['--node-image'])).toEqual({ error: '--node-image needs an image name' });
  });
});

describe('shellCommand', () => {
  it('when an argument holds spaces or quotes, then it is single-quoted so the line can be pasted', () => {
    expect(shellCommand(['docker', 'build', '--label', "a=it's x", '.'])).toBe("docker build --label 'a=it'\\''s x' .");
  });
});
