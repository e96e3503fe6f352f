import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { INFER_BATCH_PATH, type InferBatchRequest } from '@meridian/contracts';
import { repoPath } from '@meridian/platform';
import { httpCaller, measure, type LoadResult } from './load.ts';

/**
 * bench:gateway-alone: what the gateway's own work costs per forwarded request, with no Dapr and
 * no model. A stand-in sidecar (in this process) answers every invocation with a fixed OIP
 * answer (one per request of a batch); four processes forward to it, measured in turns at c=1 and c=64:
 *   node-hop        a do-nothing node:http proxy (node-hop.mjs): the floor of any Node hop
 *   gateway         the gateway app (gateway-alone-app.ts): forwarded routes on the lean lane
 *   gateway-unbatched the same, every infer request sent alone (INFER_BATCH_IN_FLIGHT=0)
 *   gateway-express the same app with every route on Express (GATEWAY_LANE=off)
 * CPU per request is read from /proc for the forwarding process alone.
 */
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, turns: { type: 'string', default: '2' } },
});
const seconds = Number(values.seconds);
const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);

const answer = Buffer.from(
  JSON.stringify({
    model_name: 'sensor-anomaly',
    model_version: '1',
    outputs: [{ name: 'anomaly_probability', shape: [1, 1], datatype: 'FP32', data: [0.01] }],
  }),
);
const oneAnswer = JSON.parse(answer.toString()) as unknown;
/** A batch the gateway sends under load (v1/infer-batch) gets one fixed answer per request it carries. */
const sidecar = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = req.url?.endsWith(`/${INFER_BATCH_PATH}`)
      ? Buffer.from(
          JSON.stringify({
            responses: (JSON.parse(Buffer.concat(chunks).toString()) as InferBatchRequest).requests.map(() => ({
              status: 200,
              body: oneAnswer,
            })),
          }),
        )
      : answer;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
await new Promise<void>((resolve) => sidecar.listen(0, '127.0.0.1', resolve));
const sidecarPort = (sidecar.address() as { port: number }).port;

/** A forwarding process: it prints its port on its first line. */
async function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`${args.at(-1)} exited (${code}) before listening`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => void child.kill() };
}
const app = ['--import', 'tsx', repoPath('tools/bench/gateway-alone-app.ts')];
const upstream = { UPSTREAM_PORT: String(sidecarPort) };
const paths = {
  'node-hop': await start([
    repoPath('tools/bench/node-hop.mjs'),
    `http://127.0.0.1:${sidecarPort}/v1.0/invoke/inference/method`,
  ]),
  gateway: await start(app, upstream),
  'gateway-unbatched': await start(app, { ...upstream, INFER_BATCH_IN_FLIGHT: '0' }),
  'gateway-express': await start(app, { ...upstream, GATEWAY_LANE: 'off' }),
};

/** User plus system CPU of a process, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const infer = 'v2/models/sensor-anomaly/infer';
const body = JSON.stringify({
  inputs: [
    { name: 'humidity', shape: [1], datatype: 'FP32', data: [45.9] },
    { name: 'temperature', shape: [1], datatype: 'FP32', data: [27.97] },
  ],
});
const rows: ({ path: string; turn: number; concurrency: number; cpu_ms_per_request: number } & LoadResult)[] = [];
for (let turn = 1; turn <= Number(values.turns); turn++) {
  for (const [path, p] of Object.entries(paths)) {
    const target = { url: `${p.url}/${infer}`, headers: { authorization: 'Bearer bench:predict' }, body };
    for (const concurrency of [1, 64]) {
      const call = httpCaller(target, concurrency);
      await measure({ concurrency, seconds: 1, warmupSeconds: 0, call });
      const before = cpuMs(p.pid);
      const result = await measure({ concurrency, seconds, warmupSeconds: 0, call });
      const cpu = Math.round(((cpuMs(p.pid) - before) / (result.rps * seconds)) * 1000) / 1000;
      rows.push({ path, turn, concurrency, ...result, cpu_ms_per_request: cpu });
      say(
        `turn ${turn} ${path.padEnd(15)} c=${String(concurrency).padStart(2)}  p50 ${result.p50_ms} ms  p99 ${result.p99_ms} ms  ${result.rps} rps  CPU ${cpu} ms/request  ${result.errors} failed`,
      );
    }
  }
}
for (const p of Object.values(paths)) p.stop();
sidecar.close();

console.log('| path | turn | concurrency | p50 ms | p99 ms | rps | CPU ms/request |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.path} | ${r.turn} | ${r.concurrency} | ${r.p50_ms} | ${r.p99_ms} | ${r.rps} | ${r.cpu_ms_per_request} |`,
  );
const dir = repoPath('bench/results');
mkdirSync(dir, { recursive: true });
const file = `${dir}/gateway-alone-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify({ seconds, rows }, null, 2)}\n`);
say(`wrote ${file}`);
process.exit(rows.some((r) => r.errors > 0) ? 1 : 0);
