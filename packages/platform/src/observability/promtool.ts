import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { toolBin } from './tool-bin.ts';

const run = promisify(execFile);

/** Runs promtool (beside the prometheus ensure-prometheus.sh provides); rejects with its output when it fails. */
export async function promtool(args: string[]): Promise<string> {
  const bin = join(dirname(await toolBin('prometheus')), 'promtool');
  try {
    const { stdout, stderr } = await run(bin, args, { encoding: 'utf8' });
    return stdout + stderr;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}
