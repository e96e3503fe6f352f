import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineReport } from '@meridian/contracts';
import { mapLimit, retryUntilReady } from '@meridian/service-kit';
import {
  daprBinDir,
  ensureDevModels,
  ensureWindowedModel,
  loadApps,
  repoPath,
  resolveStack,
  startControlPlane,
  startPlatform,
  type ControlPlane,
  type Platform,
  type RunningApp,
} from '@meridian/platform';
import { measureBarePath, type BarePathResult } from './bare-path.ts';
import { postBatches } from './ingest-poster.ts';
import { backlogBound, batchSize, parsePipelineOptions } from './pipeline-options.ts';
import { fractionOfBare, reportPipeline, type PipelineRow } from './pipeline-report.ts';
import { workload } from './pipeline-workload.ts';
import { cpuMicrosPerRecord, cpuSpent, cpuWithServers } from './process-stats.ts';
import { profileDuring } from './profile.ts';

/**
 * npm run bench:pipeline — sensor readings through ingestion → pub/sub →
 * features (online state, offline log, scoring) → inference → monitor, on
 * each broker, with the same Redis state store (so the brokers are what
 * differs). The readings are the Suthaharan single-hop data replayed as
 * several fleets of motes until there are --records of them, with one in
 * --invalid-every made invalid (it must be dead-lettered, not lost). The
 * count check reads the features app's per-mote counters and the monitor's
 * per-row ledger: every record is processed or dead-lettered, none lost,
 * none counted twice. Lag is ingestion → monitor, per record.
 *
 * Before the pipeline, on the same broker and in the same run, the bare Dapr
 * path (bare-path.ts) carries the same records: the machine's speed varies
 * from run to run, the pipeline's share of the bare path much less.
 */
const opts = parsePipelineOptions(process.argv.slice(2));
const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const profiles = repoPath('bench/results', `profiles-pipeline-${new Date().toISOString().replace(/[:.]/g, '-')}`);
if (opts.profileSeconds) mkdirSync(profiles, { recursive: true });

async function json<T>(app: RunningApp, path: string): Promise<T> {
  const res = await app.fetchApp(path);
  if (!res.ok) throw new Error(`GET ${app.spec.id} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** Waits until the monitor has a row for every accepted record, or its count stops moving; answers its last report and when the count last moved. */
async function waitForMonitor(o: { monitor: RunningApp; motes: number[]; accepted: number; broker: string }) {
  let report = PipelineReport.parse({ entities: 0, rows: 0, repeats: 0, lag_ms: { p50: null, p99: null, max: null } });
  let movedAt = performance.now();
  for (;;) {
    const r = PipelineReport.parse(await json(o.monitor, `/v1/monitor/pipeline?entities=${o.motes.join(',')}`));
    if (r.rows !== report.rows) movedAt = performance.now();
    report = r;
    if (report.rows >= o.accepted) return { report, doneAt: movedAt };
    if (performance.now() - movedAt > opts.drainTimeoutMs) {
      say(`${o.broker}: no progress for ${opts.drainTimeoutMs / 1000} s at ${report.rows} of ${o.accepted} rows`);
      return { report, doneAt: movedAt };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Readings the features app applied, summed over the motes, a few motes at a time. A mote it has
 * no state for counts 0 (its readings were lost); any other answer is asked again, then fails the
 * run: counting a busy answer as 0 would report records as lost that were not.
 */
async function appliedReadings(features: RunningApp, motes: number[]): Promise<number> {
  const each = await mapLimit(motes, 8, (m) => {
    const path = `/v1/features/sensor/${m}`;
    return retryUntilReady({
      what: `GET features ${path}`,
      maxAttempts: 5,
      intervalMs: (n) => n * 200,
      warnEvery: 0,
      attempt: async () => {
        const res = await features.fetchApp(path);
        if (res.ok) return ((await res.json()) as { readings_applied: number }).readings_applied;
        const text = (await res.text()).slice(0, 300);
        if (res.status === 404) return 0;
        throw new Error(`GET features ${path}: ${res.status} ${text}`);
      },
    });
  });
  return each.reduce((sum, n) => sum + n, 0);
}

type Bare = { figures: BarePathResult } | { error: string } | undefined;

/** How the records are offered on a broker: records per batch, and ingestion's backlog bound. */
type Load = { batch: number; bound: number };

async function measureBare(o: { cp: ControlPlane; platform: Platform; broker: string; runId: string; load: Load }) {
  const { records } = workload({ runBase: 0, records: opts.records, invalidEvery: opts.invalidEvery });
  say(`${o.broker}: the bare Dapr path (a publisher and a do-nothing bulk subscriber through their sidecars)`);
  try {
    const figures = await measureBarePath({
      ...o,
      records,
      batch: o.load.batch,
      concurrency: opts.concurrency,
      maxBacklog: o.load.bound,
      stallMs: opts.drainTimeoutMs,
    });
    say(`${o.broker}: bare path ${JSON.stringify(figures)}`);
    return { figures };
  } catch (err) {
    say(`${o.broker}: the bare path failed: ${(err as Error).message}`);
    return { error: (err as Error).message };
  }
}

async function runPipeline(o: { platform: Platform; broker: string; load: Load; bare: Bare }): Promise<PipelineRow> {
  const { records, motes } = workload({
    runBase: (Date.now() % 1_000_000) * 1000,
    records: opts.records,
    invalidEvery: opts.invalidEvery,
  });
  // Straight to the apps' ports, as their sidecars would call them (with the app token): this measures the pipeline, not the gateway.
  const { ingestion, monitor, features } = o.platform.apps as Record<string, RunningApp>;
  const cpuBefore = cpuWithServers(o.platform);
  const started = performance.now();
  let shown = 0;
  const posting = postBatches({
    records,
    batch: o.load.batch,
    concurrency: opts.concurrency,
    // The first refusals' backlog (ingestion's view of it), to tell a slow consumer from a long Retry-After.
    onRefused: (body) => {
      if (shown++ < 3) say(`${o.broker}: 429 ${body.slice(0, 400)}`);
    },
    post: (body) =>
      ingestion!.fetchApp('/v1/ingest/sensor-readings', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
  });
  if (opts.profileSeconds) await profileStages({ platform: o.platform, broker: o.broker });
  const posted = await posting;
  const ingestS = (performance.now() - started) / 1000;
  say(
    `${o.broker}: ${records.length} records posted in ${ingestS.toFixed(1)} s (accepted ${posted.accepted}, rejected ${posted.rejected}, ${posted.refused_batches} batches refused with 429, ${Math.round(posted.retry_after_s)} s waited on Retry-After); waiting for the monitor`,
  );
  const { report, doneAt } = await waitForMonitor({
    monitor: monitor!,
    motes,
    accepted: posted.accepted,
    broker: o.broker,
  });
  const totalS = (doneAt - started) / 1000;
  const cpu_s = cpuSpent(cpuBefore, cpuWithServers(o.platform));
  const applied = await appliedReadings(features!, motes);
  const processed = Math.min(report.rows, applied);
  const recordsPerS = Math.round(records.length / totalS);
  const bare = o.bare && 'figures' in o.bare ? o.bare.figures : undefined;
  return {
    broker: o.broker,
    records: records.length,
    records_per_s: recordsPerS,
    bare_records_per_s: bare?.bare_records_per_s ?? null,
    fraction_of_bare: fractionOfBare(recordsPerS, bare?.bare_records_per_s ?? null),
    lag_p50_ms: report.lag_ms.p50,
    lag_p99_ms: report.lag_ms.p99,
    lost: Math.max(0, posted.accepted - processed) + Math.max(0, records.length - posted.accepted - posted.rejected),
    double_counted: Math.max(0, applied - posted.accepted) + Math.max(0, report.rows - posted.accepted),
    refused_batches: posted.refused_batches,
    retry_after_s: Math.round(posted.retry_after_s),
    unavailable_batches: posted.unavailable_batches,
    max_backlog_records: o.load.bound,
    batch: o.load.batch,
    accepted: posted.accepted,
    dead_lettered: posted.rejected,
    processed,
    features_applied: applied,
    monitor_rows: report.rows,
    redeliveries_recognised: report.repeats,
    ingest_s: Math.round(ingestS * 10) / 10,
    drain_s: Math.round((totalS - ingestS) * 10) / 10,
    bare_seconds: bare?.bare_seconds ?? null,
    bare_delivered: bare?.bare_delivered ?? null,
    bare_lost: bare?.bare_lost ?? null,
    bare_cpu_us_per_record: bare?.bare_cpu_us_per_record ?? null,
    ...(o.bare && 'error' in o.bare ? { bare_error: o.bare.error } : {}),
    cpu_s,
    cpu_us_per_record: cpuMicrosPerRecord(cpu_s, records.length),
    ...(bare ? { bare_cpu_s: bare.bare_cpu_s } : {}),
  };
}

/**
 * CPU profiles of every app and its daprd over one window while the records flow (a second in,
 * so the window sees the stream, not the start), written to bench/results/profiles-<stamp>.
 */
async function profileStages(o: { platform: Platform; broker: string }) {
  await new Promise((r) => setTimeout(r, 1000));
  const { summaries } = await profileDuring({
    apps: Object.values(o.platform.apps) as RunningApp[],
    dir: profiles,
    label: o.broker,
    seconds: opts.profileSeconds,
    work: () => new Promise((r) => setTimeout(r, opts.profileSeconds * 1000)),
  });
  for (const text of summaries) say(text.split('\n').slice(0, 16).join('\n'));
  say(`${o.broker}: profiles in ${profiles}`);
}

async function runBroker(broker: string, cp: ControlPlane): Promise<PipelineRow> {
  const dataDir = mkdtempSync(join(tmpdir(), `meridian-bench-pipeline-${broker}-`));
  const repository = await ensureDevModels(dataDir);
  await ensureWindowedModel(repository);
  const apps = loadApps().filter((a) => ['ingestion', 'features', 'inference', 'monitor'].includes(a.id));
  const bound = backlogBound({ broker, flag: opts.backlogRecords });
  const runId = `bench-${Date.now().toString(36)}`;
  say(`${broker}: starting ingestion, features, inference and monitor with their sidecars (run ${runId})`);
  const platform = await startPlatform({
    cp,
    stack: resolveStack(`pubsub=${broker},state=${opts.state}`),
    dataDir,
    apps,
    logLevel: opts.logLevel,
    daprLogLevel: 'warn',
    env: {
      REGISTRY_APP_ID: '',
      BOOTSTRAP_MODELS: '',
      MAX_BACKLOG_RECORDS: String(bound),
      ...(opts.profileSeconds ? { CPU_PROFILE_DIR: profiles } : {}),
    },
    runId,
    profiling: opts.profileSeconds > 0,
  });
  try {
    const load = { bound, batch: batchSize({ flag: opts.batch, bound }) };
    const bare = opts.skipBare ? undefined : await measureBare({ cp, platform, broker, runId, load });
    const row = await runPipeline({ platform, broker, load, bare });
    say(`${broker}: ${JSON.stringify(row)}`);
    return row;
  } finally {
    await platform.stop();
    if (opts.keep) say(`${broker}: data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

const home = mkdtempSync(join(tmpdir(), 'meridian-bench-cp-'));
const cp = await startControlPlane({ binDir: daprBinDir(), home });
const rows: PipelineRow[] = [];
try {
  for (const broker of opts.brokers) rows.push(await runBroker(broker, cp));
} finally {
  await cp.stop();
  rmSync(home, { recursive: true, force: true });
}
say(`wrote ${reportPipeline(rows)}`);
