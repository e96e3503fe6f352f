import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { allocatePorts, httpOk, loadApps, repoPath, waitFor } from '@meridian/testkit';

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

/** Every live process whose parent is `pid`, with its name and command line. */
function childrenOf(pid: number): { pid: number; comm: string; cmdline: string }[] {
  const found = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      found.push({
        pid: Number(entry),
        comm: readFileSync(`/proc/${entry}/comm`, 'utf8').trim(),
        cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '),
      });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

async function ready(l: Launch, port: number): Promise<void> {
  await waitFor({
    what: 'npm start', timeoutMs: 120_000,
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
    expect(sidecars.map((k) => k.cmdline.match(/--app-id (\S+)/)?.[1]).sort()).toEqual(loadApps().map((a) => a.id).sort());
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

  it('when an app fails to start, then npm start exits non-zero and shows that app\'s last log lines', async () => {
    const [port] = await allocatePorts(1);
    const l = launch({ home, port: port!, env: { ORT_INTRA_OP_THREADS: 'many' } });
    running.push(l);
    expect(await l.exited).toBe(1);
    expect(l.output()).toMatch(/inference exited with code 1/);
    expect(l.output()).toContain('ORT_INTRA_OP_THREADS');
  });
});
