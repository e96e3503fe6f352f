import { spawn, type ChildProcess } from 'node:child_process';
import { repoPath, waitFor } from '@meridian/platform';

/** A process of a test, as a user starts it, whose output is kept. */
export interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** A process whose output is kept; without a token of the caller's in its environment. */
export function run(command: string, args: string[], env: Record<string, string | undefined>): Run {
  const { DAPR_API_TOKEN: _t, APP_API_TOKEN: _a, MERIDIAN_MQTT_URL: _m, ...inherited } = process.env;
  let out = '';
  const child = spawn(command, args, {
    cwd: repoPath(),
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** An npm script as the user runs it (`node tools/bootstrap.mjs` is what the npm scripts run). */
export const bootstrap = (args: string[], env: Record<string, string>) =>
  run(process.execPath, [repoPath('tools/bootstrap.mjs'), ...args], env);

/** Waits until the process has printed `text`; fails at once, with its output, if it exits first. */
export async function printed(r: Run, text: string, timeoutMs: number): Promise<void> {
  await waitFor({
    what: `"${text}"`,
    timeoutMs,
    abort: () => (r.child.exitCode !== null ? `exited ${r.child.exitCode} first:\n${r.output()}` : undefined),
    check: async () => r.output().includes(text),
  });
}

/** Kills what is still running, newest first, and waits for each to exit. */
export async function killAll(runs: Run[]): Promise<void> {
  for (const r of [...runs].reverse()) {
    if (r.child.exitCode !== null) continue;
    r.child.kill('SIGKILL');
    await r.exited;
  }
}
