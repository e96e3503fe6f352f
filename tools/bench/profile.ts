import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunningApp } from '@meridian/platform';
import { formatSummary, summariseCpuProfile, type CpuProfile } from './cpu-profile-summary.ts';

const run = promisify(execFile);

/** Go's pprof summary of a daprd profile, when `go` is on the PATH (it builds Dapr here); else undefined. */
async function pprofTop(file: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('go', ['tool', 'pprof', '-top', '-nodecount=30', file], { maxBuffer: 1 << 22 });
    return stdout;
  } catch {
    return undefined;
  }
}

async function waitForFile(dir: string, prefix: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.cpuprofile'));
    if (found) return join(dir, found);
    if (Date.now() > until) throw new Error(`no CPU profile ${prefix}* appeared in ${dir}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs `work` while profiling `apps`: each app's V8 profiler (SIGUSR2 to a platform started with
 * CPU_PROFILE_DIR=`dir`) and its daprd's Go pprof CPU profile (a platform started with `profiling`),
 * over the same window. Writes the raw profiles and a text summary of each to `dir`, named
 * `<label>-<app>-node.*` and `<label>-<app>-daprd.*`; returns `work`'s result and the summaries.
 */
export async function profileDuring<T>(o: {
  apps: RunningApp[];
  dir: string;
  label: string;
  seconds: number;
  work: () => Promise<T>;
}): Promise<{ result: T; summaries: string[] }> {
  const signal = () => {
    for (const a of o.apps) process.kill(a.app.pid!, 'SIGUSR2');
  };
  signal();
  const pprof = o.apps.map(async (a) => {
    const res = await fetch(
      `http://127.0.0.1:${a.sidecarPorts.profile}/debug/pprof/profile?seconds=${Math.max(1, Math.round(o.seconds))}`,
    );
    if (!res.ok) throw new Error(`pprof of ${a.spec.id}'s daprd: ${res.status}`);
    const file = join(o.dir, `${o.label}-${a.spec.id}-daprd.pprof`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return file;
  });
  const result = await o.work();
  signal();
  const summaries: string[] = [];
  for (const [i, a] of o.apps.entries()) {
    // The app names its profile <name>-<pid>-<n>: renamed at once, so the next window's is the only one.
    const file = join(o.dir, `${o.label}-${a.spec.id}-node.cpuprofile`);
    renameSync(await waitForFile(o.dir, `${a.spec.id}-${a.app.pid}-`, 30_000), file);
    const text = formatSummary(
      `${o.label} ${a.spec.id} (node)`,
      summariseCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile),
    );
    writeFileSync(file.replace(/\.cpuprofile$/, '.txt'), text);
    summaries.push(text);
    const daprd = await pprof[i]!;
    const top = existsSync(daprd) ? await pprofTop(daprd) : undefined;
    if (top) {
      writeFileSync(daprd.replace(/\.pprof$/, '.txt'), top);
      summaries.push(`${o.label} ${a.spec.id} (daprd)\n${top}`);
    }
  }
  return { result, summaries };
}
