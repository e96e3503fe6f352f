import { createHash, randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  daprBinDir,
  ensureDevModels,
  loadApps,
  repoPath,
  resolveStack,
  signDevToken,
  startControlPlane,
  startPlatform,
} from '@meridian/platform';
import { measure, post, type LoadResult, type Target } from './load.ts';

/**
 * npm run bench:agents — actor round trips of the agents app on real sidecars:
 *   activation  a never-seen actor per call (mote agent `view`: activation, one state read, 404 envelope)
 *   sidecar     a session turn through the agents sidecar's actor API (deterministic planner, no tools)
 *   gateway     the same turn through the gateway (JWT, route table, invocation, actor call)
 * at concurrency 1, 8 and 32; each worker has its own session (turns of one session are serial).
 * Dapr v1.17's published actor activation figures: p50 2.30 ms, p99 6.89 ms (their hardware).
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    stack: { type: 'string', default: 'local' },
  },
});
const seconds = Number(values.seconds);
const warmupSeconds = Number(values.warmup);
const CONCURRENCY = [1, 8, 32];
const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);

const home = mkdtempSync(join(tmpdir(), 'meridian-bench-agents-'));
const cp = await startControlPlane({ binDir: daprBinDir(), home });
await ensureDevModels(home);
const platform = await startPlatform({
  cp,
  stack: resolveStack(values.stack),
  dataDir: home,
  apps: loadApps().filter((a) => a.id === 'gateway' || a.id === 'agents'),
  logLevel: 'warn',
  daprLogLevel: 'warn',
  runId: randomUUID().slice(0, 8),
  env: { SESSION_TOKEN_BUDGET: '1000000000000', TENANT_TOKEN_BUDGET: '1000000000000' },
});
const agents = platform.apps.agents!;
const sub = 'bench';
const tenant = createHash('sha256').update(sub).digest('hex').slice(0, 16);
const token = await signDevToken({ dataDir: home, roles: ['predict'], sub });
const actorUrl = (type: string, id: string, method: string) =>
  `${agents.daprUrl}/v1.0/actors/${type}/${encodeURIComponent(id)}/method/${method}`;

type MakeCaller = (concurrency: number) => () => Promise<boolean>;

/** Each worker of a run takes its own session, round robin over `concurrency` ids. */
function perWorker(target: (slot: number) => Target): MakeCaller {
  return (concurrency) => {
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    let next = 0;
    const targets = Array.from({ length: concurrency }, (_, i) => target(i));
    const busy = new Set<number>();
    return async () => {
      let slot = next++ % concurrency;
      while (busy.has(slot)) slot = (slot + 1) % concurrency;
      busy.add(slot);
      try {
        const status = await post(agent, targets[slot]!);
        return status === 200;
      } finally {
        busy.delete(slot);
      }
    };
  };
}

const run = randomUUID().slice(0, 6);
const turn = (session: string) =>
  JSON.stringify({
    content: 'how are the sensors today?',
    session_id: session,
    tenant,
    caller: { subject: sub, role: 'predict' },
  });
const paths: [string, MakeCaller][] = [
  [
    'activation',
    (concurrency) => {
      const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
      let n = 0;
      return async () => {
        const id = `bench-${run}-${n++}`;
        const status = await post(agent, {
          url: actorUrl('mote-agent', id, 'view'),
          headers: { 'dapr-api-token': agents.daprToken },
          body: '{}',
        });
        return status === 200;
      };
    },
  ],
  [
    'sidecar',
    perWorker((slot) => {
      const session = `s-${run}-${slot}`;
      return {
        url: actorUrl('agent-session', `${tenant}.${session}`, 'message'),
        headers: { 'dapr-api-token': agents.daprToken },
        body: turn(session),
      };
    }),
  ],
  [
    'gateway',
    perWorker((slot) => ({
      url: `${platform.gatewayUrl}/v1/agents/sessions/g-${run}-${slot}/messages`,
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ content: 'how are the sensors today?' }),
    })),
  ],
];

const rows: ({ path: string; concurrency: number; stack: string } & LoadResult)[] = [];
try {
  for (const [path, makeCaller] of paths) {
    for (const concurrency of CONCURRENCY) {
      const result = await measure({ concurrency, seconds, warmupSeconds, call: makeCaller(concurrency) });
      rows.push({ path, concurrency, stack: values.stack, ...result });
      say(
        `${path.padEnd(10)} c=${String(concurrency).padStart(2)}  p50 ${result.p50_ms} ms  p99 ${result.p99_ms} ms  ${result.rps}/s  errors ${result.errors}`,
      );
    }
  }
} finally {
  await platform.stop();
  await cp.stop();
  rmSync(home, { recursive: true, force: true });
}

const table = [
  '| path | concurrency | p50 ms | p99 ms | per s | errors |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.path} | ${r.concurrency} | ${r.p50_ms} | ${r.p99_ms} | ${r.rps} | ${r.errors} |`),
].join('\n');
process.stdout.write(`${table}\n`);
mkdirSync(repoPath('bench/results'), { recursive: true });
const file = repoPath('bench/results', `agents-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
say(`wrote ${file}`);
