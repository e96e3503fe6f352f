import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { daprBinDir, repoPath, startControlPlane } from '@meridian/platform';
import { parseLoadFlags } from './load-flags.ts';
import { logSummary, stepsTable, summaryTable, verdicts } from './load-report.ts';
import { runStack, skippedStack, type StackResult } from './load-stack.ts';

/**
 * npm run bench:load — the whole platform driven through the gateway
 * (`POST /v2/models/sensor-anomaly/infer`, one reading each, open loop) on
 * each stack, one platform at a time on one control plane:
 *   search    the highest rate at which admitted p99 stays within the SLO,
 *             almost every request gets a 200, and the monitor's lag
 *             (answered minus counted) does not grow from a step's middle
 *             to its end;
 *   soak      80 % of it for 10 minutes: no prediction lost or counted
 *             twice by the monitor, memory and lag flat;
 *   overload  2x it for 60 s: how many requests are refused (429/503) and
 *             how fast, then how long until the gateway is ready and the
 *             monitor has caught up.
 * `--help` lists the flags. Everything runs on this machine, load generator
 * included (and, on the local stack, the embedded MQTT broker in this process).
 */
const flags = parseLoadFlags(process.argv.slice(2));
const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const startedAt = new Date();

const home = mkdtempSync(join(tmpdir(), 'meridian-bench-cp-'));
const cp = await startControlPlane({ binDir: daprBinDir(), home });
const results: StackResult[] = [];
try {
  for (const stack of flags.stacks) {
    try {
      results.push(await runStack({ stack, cp, flags, say }));
    } catch (err) {
      say(`${stack}: could not run: ${(err as Error).message}`);
      results.push({ ...skippedStack(stack, 'platform did not start'), error: (err as Error).stack ?? String(err) });
    }
  }
} finally {
  await cp.stop();
  rmSync(home, { recursive: true, force: true });
}

process.stdout.write(
  [
    `Steps of the rate search:\n\n${stepsTable(results)}`,
    summaryTable(results),
    verdicts(results),
    `Warnings and errors logged under load, and one answer of each failing status:\n${logSummary(results)}`,
  ].join('\n\n') + '\n',
);
mkdirSync(repoPath('bench/results'), { recursive: true });
const file = repoPath('bench/results', `load-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version, platform: process.platform };
writeFileSync(file, `${JSON.stringify({ started_at: startedAt.toISOString(), machine, flags, results }, null, 2)}\n`);
say(`wrote ${file}`);
