import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevModels, httpOk, loadApps, repoPath, signDevToken, waitFor } from '@meridian/platform';

// `dapr run -f .` as a Dapr user runs it: the Dapr CLI (1.12, built from the Go module proxy by
// tools/dapr/ensure-cli.sh, or the one on PATH) with the repository's generated dapr.yaml, after
// `npm run prepare-run`. A copy of the checkout's layout in a temporary folder (dapr.yaml, and
// links to apps/, components/, configuration/, node_modules/), so the run has its own .meridian/.
const apps = loadApps();
const root = mkdtempSync(join(tmpdir(), 'meridian-dapr-run-'));
const home = join(root, '.meridian');
let cli = '';
let env: NodeJS.ProcessEnv = {};
let run: ChildProcess | undefined;
let output = '';

const prepareRun = (...args: string[]) =>
  execFileSync(process.execPath, [repoPath('tools/bootstrap.mjs'), 'prepare-run', ...args], {
    cwd: repoPath(),
    env: { ...process.env, MERIDIAN_HOME: home },
    encoding: 'utf8',
  });

function tokens(): Record<string, string> {
  const lines = readFileSync(join(home, 'run.env'), 'utf8').trim().split('\n');
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

beforeAll(async () => {
  cli = execFileSync('bash', [repoPath('tools/dapr/ensure-cli.sh')], { encoding: 'utf8' }).trim();
  copyFileSync(repoPath('dapr.yaml'), join(root, 'dapr.yaml'));
  for (const dir of ['apps', 'components', 'configuration', 'node_modules', 'packages'])
    symlinkSync(repoPath(dir), join(root, dir));
  mkdirSync(home, { mode: 0o700 });
  // Served from the model repository at once, instead of trained by the training app as it starts.
  await ensureDevModels(home);
  expect(prepareRun()).toContain('control plane running');
  env = { ...process.env, ...tokens(), BOOTSTRAP_MODELS: '' };
  // Its own process group, as in a terminal: what `dapr stop -f .` signals, and what cleanup signals.
  run = spawn(cli, ['run', '-f', '.'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  run.stdout!.on('data', (d) => (output += d));
  run.stderr!.on('data', (d) => (output += d));
  let exited: string | undefined;
  run.once('exit', (code) => (exited = `dapr run exited with ${code}:\n${output.slice(-4000)}`));
  await waitFor({
    what: 'every app of dapr run -f . to be ready',
    timeoutMs: 180_000,
    abort: () => exited,
    check: async () => (await Promise.all(apps.map((a) => httpOk(`http://127.0.0.1:${a.port}/readyz`)))).every(Boolean),
  });
}, 300_000);

/** Signals the run's process group (the CLI, every daprd and app it started); quiet once it is gone. */
const signalRun = (signal: NodeJS.Signals) => {
  try {
    process.kill(-run!.pid!, signal);
  } catch {
    // already gone
  }
};

afterAll(async () => {
  if (run?.pid && run.exitCode === null && run.signalCode === null) {
    signalRun('SIGINT');
    await waitFor({
      what: 'dapr run to stop',
      timeoutMs: 30_000,
      check: async () => run!.exitCode !== null || run!.signalCode !== null,
    }).catch(() => undefined);
  }
  if (run?.pid) signalRun('SIGKILL');
  prepareRun('--stop');
  rmSync(root, { recursive: true, force: true });
}, 120_000);

describe('dapr run -f . (the Dapr CLI with the generated dapr.yaml)', () => {
  it('when every app runs beside its daprd, then a prediction through the gateway is answered', async () => {
    const token = await signDevToken({ dataDir: home, roles: ['predict'] });
    const res = await fetch(
      `http://127.0.0.1:${apps.find((a) => a.id === 'gateway')!.port}/v2/models/sensor-anomaly/infer`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [
            { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
            { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
          ],
        }),
      },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model_name: string }).model_name).toBe('sensor-anomaly');
  });

  it('when the CLI lists the run, then every app of apps/apps.json is there, and each sidecar refuses a call without its token', async () => {
    const listed = JSON.parse(execFileSync(cli, ['list', '-o', 'json'], { cwd: root, env, encoding: 'utf8' })) as {
      appId: string;
      appPort: number;
      httpPort: number;
      cliPid: number;
      runTemplatePath: string;
    }[];
    const ours = listed.filter((l) => l.runTemplatePath === join(root, 'dapr.yaml'));
    expect(ours.map((l) => [l.appId, l.appPort]).sort()).toEqual(apps.map((a) => [a.id, a.port]).sort());
    // The CLI recorded its run in each daprd's metadata, with the API token the sidecars require.
    expect(new Set(ours.map((l) => l.cliPid))).toEqual(new Set([run!.pid]));
    for (const sidecar of ours) {
      expect((await fetch(`http://127.0.0.1:${sidecar.httpPort}/v1.0/metadata`)).status, sidecar.appId).toBe(401);
    }
  });

  it('when dapr stop -f . is run, then the CLI ends the run and every app stops', async () => {
    const stopped = spawnSync(cli, ['stop', '-f', '.'], { cwd: root, env, encoding: 'utf8' });
    expect(stopped.status, stopped.stdout + stopped.stderr).toBe(0);
    await waitFor({
      what: 'dapr run to end',
      timeoutMs: 60_000,
      check: async () => run!.exitCode !== null || run!.signalCode !== null,
    });
    const answering = await Promise.all(
      apps.map((a) => httpOk(`http://127.0.0.1:${a.port}/healthz`).catch(() => false)),
    );
    expect(answering.filter(Boolean)).toEqual([]);
  });
});
