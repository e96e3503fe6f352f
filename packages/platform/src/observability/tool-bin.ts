import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoPath } from '../paths.ts';

const run = promisify(execFile);
const found = new Map<string, Promise<string>>();

/**
 * The path of an observability tool, from tools/observability/ensure-<name>.sh (which finds,
 * installs or builds it; its progress goes to our stderr). Asked once per process: a first
 * Jaeger build takes minutes, and it must not hold up everything else meanwhile.
 */
export function toolBin(name: 'jaeger' | 'prometheus'): Promise<string> {
  let bin = found.get(name);
  if (!bin) {
    const script = repoPath('tools', 'observability', `ensure-${name}.sh`);
    const child = run('bash', [script], { encoding: 'utf8', maxBuffer: 1 << 20 });
    child.child.stderr?.pipe(process.stderr);
    bin = child.then(
      ({ stdout }) => stdout.trim(),
      (err: Error) => {
        found.delete(name);
        throw new Error(`could not provide ${name} (${script}): ${err.message}`);
      },
    );
    found.set(name, bin);
  }
  return bin;
}
