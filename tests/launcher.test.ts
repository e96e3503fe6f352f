import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  allocatePorts,
  bundlePath,
  ensureDevModels,
  httpOk,
  loadApps,
  repoPath,
  resolveStack,
  signDevToken,
  startPlatform,
  waitFor,
  type Platform,
  type SupervisorEvent,
} from '@meridian/platform';
import { alive, childrenOf } from './helpers/processes.ts';

// `npm start` as a user runs it (node tools/bootstrap.mjs start is what the
// npm script runs), with its own control plane, data dir and gateway port.
interface Launch {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(opts: { home: string; port: number; env?: Record<string, string> }): Launch {
  let out = '';
  const child = spawn(process.execPath, [repoPath('tools/bootstrap.mjs'), 'start'], {
    cwd: repoPath(),
    env: { ...process.env, MERIDIAN_HOME: opts.home, GATEWAY_PORT: `${opts.port}`, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function ready(l: Launch, port: number): Promise<void> {
  await waitFor({
    what: 'npm start',
    timeoutMs: 120_000,
    abort: () => (l.child.exitCode !== null ? `exited early:\n${l.output()}` : undefined),
    check: () => httpOk(`http://127.0.0.1:${port}/readyz`),
  });
}

describe('npm start (the local launcher)', () => {
  const home = mkdtempSync(join(tmpdir(), 'meridian-launcher-'));
  const running: Launch[] = [];
  // A failed test must not leave its launcher running for the next one.
  afterEach(async () => {
    for (const l of running) {
      if (l.child.exitCode !== null) continue;
      l.child.kill('SIGKILL');
      await l.exited;
    }
  });
  afterAll(async () => {
    rmSync(home, { recursive: true, force: true });
  });

  it('when started, then sentry, placement, scheduler and one daprd --enable-mtls per app run and the gateway is ready', async () => {
    const [port] = await allocatePorts(1);
    const l = launch({ home, port: port! });
    running.push(l);
    await ready(l, port!);
    const kids = childrenOf(l.child.pid!);
    const names = kids.map((k) => k.comm);
    for (const name of ['sentry', 'placement', 'scheduler']) expect(names).toContain(name);
    const sidecars = kids.filter((k) => k.comm === 'daprd');
    expect(sidecars.map((k) => k.cmdline.match(/--app-id (\S+)/)?.[1]).sort()).toEqual(
      loadApps()
        .map((a) => a.id)
        .sort(),
    );
    for (const s of sidecars) expect(s.cmdline).toContain('--enable-mtls');

    const second = launch({ home, port: port! });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('already running');

    l.child.kill('SIGTERM');
    expect(await l.exited).toBe(0);
    await waitFor({ what: 'children gone', timeoutMs: 10_000, check: async () => kids.every((k) => !alive(k.pid)) });
  });

  it('when the launcher is killed with SIGKILL, then its processes die with it and the next start works', async () => {
    const [port] = await allocatePorts(1);
    const first = launch({ home, port: port! });
    running.push(first);
    await ready(first, port!);
    const kids = childrenOf(first.child.pid!);
    expect(kids.length).toBeGreaterThanOrEqual(9);
    first.child.kill('SIGKILL');
    await waitFor({ what: 'orphans gone', timeoutMs: 15_000, check: async () => kids.every((k) => !alive(k.pid)) });

    const again = launch({ home, port: port! });
    running.push(again);
    await ready(again, port!);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('when GATEWAY_PORT is a port fetch refuses (10080), then npm start exits 1 saying so, before starting anything', async () => {
    const l = launch({ home, port: 10_080 });
    running.push(l);
    expect(await l.exited).toBe(1);
    expect(l.output()).toContain('port 10080 is one that browsers and fetch refuse to connect to');
    expect(l.output()).not.toContain('control plane up');
  });

  it("when an app fails to start, then npm start exits non-zero and shows that app's last log lines", async () => {
    const [port] = await allocatePorts(1);
    const l = launch({ home, port: port!, env: { ORT_INTRA_OP_THREADS: 'many' } });
    running.push(l);
    expect(await l.exited).toBe(1);
    expect(l.output()).toMatch(/inference exited with code 1/);
    expect(l.output()).toContain('ORT_INTRA_OP_THREADS');
  });
});

describe('npm start supervision (a process that dies is restarted)', () => {
  const home = mkdtempSync(join(tmpdir(), 'meridian-supervised-'));
  let l: Launch;
  let port: number;
  // The seeded model serves predictions at once; no training runs compete for the 2 cores.
  beforeAll(async () => {
    await ensureDevModels(home);
    [port] = (await allocatePorts(1)) as [number];
    l = launch({ home, port, env: { BOOTSTRAP_MODELS: '' } });
    // Supervision starts once the launcher has seen every app and sidecar ready (the gateway can answer before).
    await printed('[meridian] ready in ', 120_000);
  });
  afterAll(async () => {
    if (l?.child.exitCode === null) {
      l.child.kill('SIGKILL');
      await l.exited;
    }
    rmSync(home, { recursive: true, force: true });
  });

  const predict = async () =>
    fetch(`http://127.0.0.1:${port}/v2/models/sensor-anomaly/infer`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await signDevToken({ dataDir: home, roles: ['predict'] })}`,
      },
      body: JSON.stringify({
        inputs: [
          { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
          { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
        ],
      }),
    });
  const predictsAgain = () =>
    waitFor({
      what: 'a prediction through the gateway',
      timeoutMs: 30_000,
      check: async () => (await predict()).status === 200,
    });
  const printed = (text: string, timeoutMs = 60_000) =>
    waitFor({
      what: `"${text}" from the launcher`,
      timeoutMs,
      abort: () => (l.child.exitCode !== null ? `launcher exited:\n${l.output()}` : undefined),
      check: async () => l.output().includes(text),
    });
  const processOf = (match: (k: { comm: string; cmdline: string }) => boolean) => {
    const found = childrenOf(l.child.pid!).find(match);
    if (!found) throw new Error(`no such child of the launcher:\n${l.output()}`);
    return found;
  };
  const inferenceApp = () => processOf((k) => k.cmdline.includes(bundlePath('inference')));
  const sidecarOf = (id: string) => processOf((k) => k.comm === 'daprd' && k.cmdline.includes(`--app-id ${id} `));

  it('when an app is killed with SIGKILL, then the launcher reports it and restarts it, and a prediction through the gateway succeeds again', async () => {
    expect((await predict()).status).toBe(200);
    const killed = inferenceApp();
    process.kill(killed.pid, 'SIGKILL');
    await printed('[meridian] inference restarted (1 restart, exit 137, killed by SIGKILL)');
    expect(l.output()).toContain(
      '[meridian] inference exited (exit 137, killed by SIGKILL); restarting it in 0.5s. Its last lines:\n  inference | ',
    );
    expect(inferenceApp().pid).not.toBe(killed.pid);
    await predictsAgain();
  });

  it('when a daprd is killed with SIGKILL, then the launcher restarts it on the same ports with its app left running, and a prediction through the gateway succeeds again', async () => {
    const killed = sidecarOf('inference');
    const app = inferenceApp();
    process.kill(killed.pid, 'SIGKILL');
    await printed('[meridian] inference:dapr restarted (1 restart, exit 137, killed by SIGKILL)');
    const restarted = sidecarOf('inference');
    expect(restarted.pid).not.toBe(killed.pid);
    expect(restarted.cmdline).toBe(killed.cmdline);
    expect(inferenceApp().pid).toBe(app.pid);
    await predictsAgain();
  });

  it('when the daprd of an app using workflows is killed, then that app is restarted with it and a training run completes', async () => {
    const app = processOf((k) => k.cmdline.includes(bundlePath('training')));
    process.kill(sidecarOf('training').pid, 'SIGKILL');
    await printed('[meridian] training restarted with training:dapr (1 restart)');
    expect(processOf((k) => k.cmdline.includes(bundlePath('training'))).pid).not.toBe(app.pid);
    const admin = {
      'content-type': 'application/json',
      authorization: `Bearer ${await signDevToken({ dataDir: home, roles: ['admin'] })}`,
    };
    const started = await fetch(`http://127.0.0.1:${port}/v1/training/runs`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ model: 'sensor-anomaly' }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let status = '';
    await waitFor({
      what: `training run ${id} to end`,
      timeoutMs: 60_000,
      check: async () => {
        status = (
          (await (await fetch(`http://127.0.0.1:${port}/v1/training/runs/${id}`, { headers: admin })).json()) as {
            status: string;
          }
        ).status;
        return status === 'completed' || status === 'failed';
      },
    });
    expect(status).toBe('completed');
  });

  it('when a process keeps failing at start, then the launcher exits 1 naming it, with its last lines', async () => {
    // registry's daprd creates its artifacts folder as it starts: a file in its place fails every start, and only a start.
    renameSync(join(home, 'artifacts'), join(home, 'artifacts.kept'));
    writeFileSync(join(home, 'artifacts'), 'not a folder');
    process.kill(sidecarOf('registry').pid, 'SIGKILL');
    expect(await l.exited).toBe(1);
    const out = l.output();
    expect(out).toContain('[meridian] registry:dapr did not come back (4 failed starts in a row; trying again in 8s)');
    expect(out).toContain(
      '[meridian] registry:dapr keeps failing at start (5 restarts in a row never became ready); stopping. Its last lines:',
    );
    expect(out).toMatch(/ {2}registry:dapr \| .*artifacts/);
    expect(out).not.toContain('[meridian] registry:dapr restarted');
  });
});

describe('a supervised platform (startPlatform with supervise)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-supervised-platform-'));
  const events: SupervisorEvent[] = [];
  let platform: Platform;
  let stopped = false;
  beforeAll(async () => {
    const apps = loadApps().filter((a) => a.id === 'ingestion');
    platform = await startPlatform({
      cp: inject('controlPlane'),
      stack: resolveStack('local'),
      dataDir,
      apps,
      supervise: true,
      onSupervision: (e) => events.push(e),
    });
  });
  afterAll(async () => {
    if (!stopped) await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when an app and its sidecar crash together, then both come back and status() counts a restart and the SIGKILL for each', async () => {
    const up = { running: true, state: 'up', restarts: 0, lastExit: null };
    expect(platform.status()).toEqual({ ingestion: { app: up, sidecar: up } });
    await platform.crash('ingestion');
    await waitFor({
      what: 'ingestion and its sidecar restarted',
      timeoutMs: 60_000,
      check: async () => Object.values(platform.status().ingestion!).every((p) => p.state === 'up' && p.restarts === 1),
    });
    const back = { running: true, state: 'up', restarts: 1, lastExit: { code: null, signal: 'SIGKILL' } };
    expect(platform.status()).toEqual({ ingestion: { app: back, sidecar: back } });
    expect((await platform.apps.ingestion!.fetchApp('/readyz')).status).toBe(200);
  });

  it('when the platform stops, then supervision stops first and nothing is restarted', async () => {
    const before = events.length;
    const { app, sidecar } = platform.apps.ingestion!;
    stopped = true;
    await platform.stop();
    // The supervisor hears of each exit first, so it has let them pass by the time these resolve.
    await Promise.all([app.closed, sidecar.closed]);
    expect(events.slice(before)).toEqual([]);
    expect(platform.status().ingestion).toMatchObject({
      app: { running: false, state: 'down', restarts: 1 },
      sidecar: { running: false, state: 'down', restarts: 1 },
    });
  });
});
