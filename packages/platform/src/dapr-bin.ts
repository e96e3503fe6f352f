import { execFileSync } from 'node:child_process';
import { repoPath } from './paths.ts';

/**
 * The directory holding the pinned daprd, placement, scheduler and sentry:
 * tools/dapr/ensure.sh finds an installed copy or builds one (progress goes
 * to our stderr). The answer is remembered in MERIDIAN_DAPR_BIN_DIR so child
 * processes and later calls skip the lookup.
 */
export function daprBinDir(): string {
  if (process.env.MERIDIAN_DAPR_BIN_DIR) return process.env.MERIDIAN_DAPR_BIN_DIR;
  const dir = execFileSync('bash', [repoPath('tools/dapr/ensure.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).trim();
  process.env.MERIDIAN_DAPR_BIN_DIR = dir;
  return dir;
}
