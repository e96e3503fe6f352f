import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { BatchingPolicy, ModelPolicy } from '@meridian/contracts';
import { Batcher } from '@meridian/inference/batcher';
import { runtimeFor, type TensorMap } from '@meridian/inference/runtimes';
import type { ModelMetadata } from '@meridian/ml';
import {
  allocatePorts,
  daprBinDir,
  ensureDevModels,
  httpOk,
  loadApps,
  repoPath,
  resolveStack,
  sidecarPorts,
  signDevToken,
  SIDECAR_PORT_COUNT,
  startControlPlane,
  startPlatform,
  startSidecar,
  waitFor,
} from '@meridian/platform';
// Not '@meridian/testkit' itself: its index imports vitest, which a script outside vitest cannot load.
import { oipGrpcClient } from '@meridian/testkit/grpc';
import { httpCaller, measure, type LoadResult } from './load.ts';
import { writeComputeBoundModels } from './compute-bound.ts';
import { measureLargeInput } from './large-input.ts';
import { profileDuring } from './profile.ts';
import { measureBatchingCost } from './batching-cost.ts';
import { measureTracingCost } from './tracing-cost.ts';

/**
 * npm run bench:inference — the same model and the same one-row inputs over
 * four paths, with dynamic batching off and on, at concurrency 1, 8 and 64:
 *   raw-ort  ONNX Runtime in this process (batching: the app's Batcher, in process)
 *   direct   the inference app over HTTP
 *   sidecar  a caller's daprd → inference's daprd (mTLS) → the app
 *   node-hop a do-nothing node:http proxy (node-hop.mjs) in front of the sidecar path: what one
 *            Node HTTP hop costs here, the floor under the gateway's hop
 *   node-echo a do-nothing node:http server (node-echo.mjs) answering inference's own answer:
 *            what a Node app costs before any work
 *   node-ort a node:http server (node-ort.mjs) that parses the request, runs the same model with
 *            ONNX Runtime and answers: the floor under the app's overhead over raw-ort
 *   sidecar-grpc  the same hops in OIP gRPC (ModelInfer, raw tensor contents), as a Triton or
 *            KServe gRPC client calls through daprd's gRPC proxying (`dapr-app-id`)
 *   gateway  JWT check, then the gateway's daprd → inference's daprd → the app
 * Everything runs on this machine, load generator included. Then the compute-bound models (direct,
 * batching off and on), a 1 MiB input (JSON and binary tensors), what batching costs the cheap
 * sensor model (direct, c=64, off and on in turns: rows with `turns`), and the gateway path again,
 * with batching off, beside a second platform exporting every span to a local Jaeger (rows with
 * `tracing: true`), in turns, for what tracing costs.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '0.5' },
    // Only the tracing rows (the gateway path with tracing off and on), e.g. while working on tracing's cost.
    'tracing-only': { type: 'boolean', default: false },
    // Only the compute-bound models' rows (direct path, batching off and on), e.g. while tuning batching.
    'compute-bound-only': { type: 'boolean', default: false },
    // Then CPU profiles of the gateway and inference (V8) and their daprd (pprof) on the gateway path, c=1 and c=64.
    profile: { type: 'boolean', default: false },
    // Only the batching-cost rows (the sensor model on the direct path, batching off and on in turns).
    'batching-cost-only': { type: 'boolean', default: false },
    // Only these paths of the main table (comma-separated, e.g. sidecar,gateway), e.g. to compare two Dapr builds.
    paths: { type: 'string' },
    // Every prediction publishes its event (the model policy's default sample rate, 1) instead of none:
    // serving as a platform with its monitor serves. Rows get "prediction_log": true.
    'prediction-log': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const predictionLog = values['prediction-log'];
const warmupSeconds = Number(values.warmup);
const CONCURRENCY = [1, 8, 64];
const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);

const home = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const profiles = repoPath('bench/results', `profiles-${stamp}`);
if (values.profile) mkdirSync(profiles, { recursive: true });
const cp = await startControlPlane({ binDir: daprBinDir(), home });
await ensureDevModels(home);
const pathFilter = values.paths?.split(',').map((p) => p.trim());
// Which sections run: all of them, or the one a flag picks.
const only = values['tracing-only']
  ? 'tracing'
  : values['compute-bound-only']
    ? 'compute-bound'
    : values['batching-cost-only']
      ? 'batching-cost'
      : pathFilter
        ? 'main'
        : undefined;
const runs = (section: 'main' | 'compute-bound' | 'large-input' | 'batching-cost' | 'tracing') =>
  only === undefined || only === section;
// Models where computing dominates (where batching can pay), trained on the sensor data or taken from the cache.
const computeBound = runs('compute-bound')
  ? await writeComputeBoundModels({ repository: join(home, 'models'), say })
  : [];
const apps = loadApps().filter((a) => a.id === 'gateway' || a.id === 'inference');
const platform = await startPlatform({
  cp,
  stack: resolveStack('local'),
  dataDir: home,
  apps,
  logLevel: 'warn',
  daprLogLevel: 'warn',
  env: { REGISTRY_APP_ID: '', ...(values.profile ? { CPU_PROFILE_DIR: profiles } : {}) },
  profiling: values.profile,
});
const clientPorts = sidecarPorts(await allocatePorts(SIDECAR_PORT_COUNT));
const client = startSidecar({
  appId: 'example-client',
  ports: clientPorts,
  cp,
  config: repoPath('configuration/client.yaml'),
  resources: [],
  dataDir: home,
  logLevel: 'warn',
});
await waitFor({
  what: 'client sidecar',
  timeoutMs: 30_000,
  check: () => httpOk(`http://127.0.0.1:${clientPorts.http}/v1.0/healthz`),
});
const inference = platform.apps.inference!;
const hop = await startNodeScript('node-hop.mjs', `http://127.0.0.1:${clientPorts.http}/v1.0/invoke/inference/method`);
const token = await signDevToken({ dataDir: home, roles: ['predict'] });

const row = { h: 45.9, t: 27.97 };
const body = JSON.stringify({
  inputs: [
    { name: 'humidity', shape: [1], datatype: 'FP32', data: [row.h] },
    { name: 'temperature', shape: [1], datatype: 'FP32', data: [row.t] },
  ],
});
const infer = 'v2/models/sensor-anomaly/infer';
const direct = { url: `${inference.appUrl}/${infer}`, headers: { 'dapr-api-token': inference.appToken }, body };
const answer = await fetch(direct.url, {
  method: 'POST',
  headers: { ...direct.headers, 'content-type': 'application/json' },
  body,
});
if (!answer.ok) throw new Error(`inference refused the benchmark's request: ${answer.status} ${await answer.text()}`);
const echo = await startNodeScript('node-echo.mjs', await answer.text());
const versionDir = join(home, 'models', 'sensor-anomaly', '1');
const nodeOrt = await startNodeScript('node-ort.mjs', join(versionDir, 'model.onnx'));
const targets = {
  direct,
  'node-echo': { url: `${echo.url}/${infer}`, headers: {}, body },
  'node-ort': { url: `${nodeOrt.url}/${infer}`, headers: {}, body },
  sidecar: { url: `http://127.0.0.1:${clientPorts.http}/v1.0/invoke/inference/method/${infer}`, headers: {}, body },
  'node-hop': { url: `${hop.url}/${infer}`, headers: {}, body },
  gateway: { url: `${platform.gatewayUrl}/${infer}`, headers: { authorization: `Bearer ${token}` }, body },
};

const grpc = oipGrpcClient({ address: `127.0.0.1:${clientPorts.grpc}`, metadata: { 'dapr-app-id': 'inference' } });
const grpcRequest = {
  model_name: 'sensor-anomaly',
  inputs: [
    { name: 'humidity', shape: [1], datatype: 'FP32' },
    { name: 'temperature', shape: [1], datatype: 'FP32' },
  ],
  raw_input_contents: [Buffer.from(Float32Array.of(row.h).buffer), Buffer.from(Float32Array.of(row.t).buffer)],
};
const grpcCaller = async () => (await grpc.call('ModelInfer', grpcRequest)).ok;

const metadata = JSON.parse(readFileSync(join(versionDir, 'model.json'), 'utf8')) as ModelMetadata;
const runtime = await runtimeFor('onnx').load({ artifactPath: join(versionDir, 'model.onnx'), metadata, threads: 1 });
const feeds = (): TensorMap => ({
  humidity: { datatype: 'FP32', dims: [1], data: Float32Array.of(row.h) },
  temperature: { datatype: 'FP32', dims: [1], data: Float32Array.of(row.t) },
});

/** A server of tools/bench (node-hop.mjs, node-echo.mjs, node-ort.mjs) in a process of its own, given `arg`. */
async function startNodeScript(script: string, arg: string): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [repoPath('tools/bench', script), arg], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before listening`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => void child.kill() };
}

async function setBatching(enabled: boolean, model = 'sensor-anomaly'): Promise<void> {
  // The prediction log is off unless asked for: this measures serving; the log's cost belongs to bench:pipeline.
  const policy = ModelPolicy.parse({ batching: { enabled }, prediction_log: { sample_rate: predictionLog ? 1 : 0 } });
  const res = await inference.fetchApp(`/v2/models/${model}/policy`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(policy),
  });
  if (!res.ok) throw new Error(`policy update failed: ${res.status} ${await res.text()}`);
}

const rows: ({
  path: string;
  model: string;
  batching: boolean;
  concurrency: number;
  tracing?: boolean;
  prediction_log?: boolean;
} & Omit<LoadResult, 'errors'>)[] = [];
/** One cell of the table: measured, printed under `label`, and kept as a row. */
async function measureCell(o: {
  label: string;
  row: { path: string; model: string; batching: boolean; concurrency: number };
  call: () => Promise<boolean>;
}): Promise<Omit<LoadResult, 'errors'>> {
  const { batching, concurrency } = o.row;
  const { errors, ...figures } = await measure({ concurrency, seconds, warmupSeconds, call: o.call });
  if (errors) say(`${o.label.trim()} batching=${batching} c=${concurrency}: ${errors} failed requests`);
  rows.push({ ...o.row, ...(predictionLog ? { prediction_log: true } : {}), ...figures });
  say(
    `${o.label} batching=${String(batching).padEnd(5)} c=${String(concurrency).padStart(2)}  p50 ${figures.p50_ms} ms  p99 ${figures.p99_ms} ms  ${figures.rps} rps`,
  );
  return figures;
}

try {
  for (const batching of runs('main') ? [false, true] : []) {
    await setBatching(batching);
    const batcher = new Batcher({
      run: (inputs) => runtime.run(inputs, ['anomaly_probability']),
      policy: () => BatchingPolicy.parse({ enabled: batching }),
    });
    const raw = async () => Boolean(await batcher.submit(feeds(), 1, Date.now() + 10_000));
    const callers: [string, (c: number) => () => Promise<boolean>][] = [
      ['raw-ort', () => raw],
      ...Object.entries(targets).map(
        ([p, t]) => [p, (c: number) => httpCaller(t, c)] as [string, (c: number) => () => Promise<boolean>],
      ),
      ['sidecar-grpc', () => grpcCaller],
    ];
    for (const [path, makeCaller] of callers.filter(([p]) => !pathFilter || pathFilter.includes(p))) {
      for (const concurrency of CONCURRENCY)
        await measureCell({
          label: path.padEnd(8),
          row: { path, model: 'sensor-anomaly', batching, concurrency },
          call: makeCaller(concurrency),
        });
    }
  }
  for (const m of computeBound) {
    const rps: Record<string, number> = {};
    for (const batching of [false, true]) {
      await setBatching(batching, m.name);
      for (const concurrency of [1, 64]) {
        const target = { ...targets.direct, url: `${inference.appUrl}/v2/models/${m.name}/infer` };
        const figures = await measureCell({
          label: `direct ${m.name} (${m.platform})`,
          row: { path: 'direct', model: m.name, batching, concurrency },
          call: httpCaller(target, concurrency),
        });
        rps[`${batching}-${concurrency}`] = figures.rps;
      }
    }
    say(`${m.name}: batching on/off at c=64 = ${(rps['true-64']! / rps['false-64']!).toFixed(2)}x`);
  }
  await setBatching(false);
  if (runs('large-input'))
    rows.push(
      ...(await measureLargeInput({
        url: targets.direct.url,
        appToken: inference.appToken,
        concurrency: [1, 8],
        seconds,
        warmupSeconds,
        say,
      })),
    );
  if (runs('batching-cost'))
    rows.push(
      ...(await measureBatchingCost({
        model: 'sensor-anomaly',
        target: targets.direct,
        setBatching,
        inferencePid: () => inference.app.pid,
        concurrency: 64,
        turns: 4,
        seconds,
        warmupSeconds,
        say,
      })),
    );
  if (values.profile && runs('main')) {
    await setBatching(false);
    for (const concurrency of [1, 64]) {
      const { result, summaries } = await profileDuring({
        apps: [platform.apps.gateway!, inference],
        dir: profiles,
        label: `gateway-c${concurrency}`,
        seconds,
        work: () => measure({ concurrency, seconds, warmupSeconds: 0, call: httpCaller(targets.gateway, concurrency) }),
      });
      say(`profiled gateway c=${concurrency}: p50 ${result.p50_ms} ms p99 ${result.p99_ms} ms (profilers on)`);
      for (const text of summaries) say(text.split('\n').slice(0, 14).join('\n'));
    }
    say(`profiles in ${profiles}`);
  }
  if (runs('tracing'))
    rows.push(
      ...(await measureTracingCost({
        cp,
        apps,
        untraced: { platform, token },
        body,
        concurrency: [1, 64],
        seconds,
        warmupSeconds,
        say,
      })),
    );
} finally {
  hop.stop();
  echo.stop();
  nodeOrt.stop();
  grpc.close();
  await runtime.release();
  await client.stop();
  await platform.stop();
  await cp.stop();
  rmSync(home, { recursive: true, force: true });
}

const table = [
  '| path | model | batching | tracing | concurrency | p50 ms | p99 ms | rps |',
  '| --- | --- | --- | --- | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.path}${'encoding' in r ? ` (1 MiB, ${String(r.encoding)})` : ''} | ${r.model} | ${r.batching ? 'on' : 'off'} | ${r.tracing === undefined ? '' : r.tracing ? 'on' : 'off'} | ${r.concurrency} | ${r.p50_ms} | ${r.p99_ms} | ${r.rps} |`,
  ),
].join('\n');
process.stdout.write(`${table}\n`);
mkdirSync(repoPath('bench/results'), { recursive: true });
const file = repoPath('bench/results', `inference-${stamp}.json`);
writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
say(`wrote ${file}`);
