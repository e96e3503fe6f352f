import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { IngestResult, PipelineReport } from '@meridian/contracts';
import { loadSensorReadings } from '@meridian/ml';
import {
  daprBinDir,
  ensureDevModels,
  ensureWindowedModel,
  loadApps,
  repoPath,
  resolveStack,
  startControlPlane,
  startPlatform,
  type Platform,
  type RunningApp,
} from '@meridian/platform';

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
 */
const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    brokers: { type: 'string', default: 'embedded,redis,rabbitmq,jetstream,mqtt,kafka' },
    state: { type: 'string', default: 'redis' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    'invalid-every': { type: 'string', default: '500' },
    'drain-timeout': { type: 'string', default: '180' },
    /** Apps' log level (info shows where each ingestion batch spent its time) and whether to keep the data dirs. */
    'log-level': { type: 'string', default: 'warn' },
    keep: { type: 'boolean', default: false },
  },
});
const RECORDS = Number(values.records);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const INVALID_EVERY = Number(values['invalid-every']);
const DRAIN_TIMEOUT_MS = Number(values['drain-timeout']) * 1000;
const brokers = values
  .brokers!.split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);

interface Row {
  broker: string;
  records: number;
  records_per_s: number;
  lag_p50_ms: number | null;
  lag_p99_ms: number | null;
  lost: number;
  double_counted: number;
  accepted: number;
  dead_lettered: number;
  processed: number;
  redeliveries_recognised: number;
  ingest_s: number;
  drain_s: number;
  cpu_s: Record<string, number>;
}

/** The readings, fleet by fleet: fleet f's mote m is entity base + 10 f + m; its readings keep their real order and values. */
function workload(runBase: number): { records: Record<string, unknown>[]; motes: number[] } {
  const data = loadSensorReadings().sort((a, b) => a.reading - b.reading || a.moteId - b.moteId);
  const records: Record<string, unknown>[] = [];
  const motes = new Set<number>();
  for (let fleet = 0; records.length < RECORDS; fleet++) {
    for (const r of data) {
      if (records.length >= RECORDS) break;
      const mote = runBase + fleet * 10 + r.moteId;
      const i = records.length;
      const invalid = INVALID_EVERY > 0 && i % INVALID_EVERY === INVALID_EVERY - 1;
      records.push({
        id: `${mote}-${r.reading}`,
        mote_id: mote,
        humidity: invalid ? 140 : r.humidity,
        temperature: r.temperature,
        ts: 1_700_000_000_000 + r.reading * 30_000,
        label: r.label,
      });
      if (!invalid) motes.add(mote);
    }
  }
  return { records, motes: [...motes] };
}

/** CPU seconds (user + system) of a process so far, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function cpuByProcess(platform: Platform): Record<string, number> {
  const out: Record<string, number> = { bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 };
  for (const [id, app] of Object.entries(platform.apps)) {
    out[id] = cpuSeconds(app.app.pid);
    out[`${id}-daprd`] = cpuSeconds(app.sidecar.pid);
  }
  return out;
}

async function json<T>(app: RunningApp, path: string): Promise<T> {
  const res = await app.fetchApp(path);
  if (!res.ok) throw new Error(`GET ${app.spec.id} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

async function runBroker(broker: string, cp: Awaited<ReturnType<typeof startControlPlane>>): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), `meridian-bench-pipeline-${broker}-`));
  const repository = await ensureDevModels(dataDir);
  await ensureWindowedModel(repository);
  const apps = loadApps().filter((a) => ['ingestion', 'features', 'inference', 'monitor'].includes(a.id));
  say(`${broker}: starting ingestion, features, inference and monitor with their sidecars`);
  const platform = await startPlatform({
    cp,
    stack: resolveStack(`pubsub=${broker},state=${values.state}`),
    dataDir,
    apps,
    logLevel: values['log-level'],
    daprLogLevel: 'warn',
    env: { REGISTRY_APP_ID: '', BOOTSTRAP_MODELS: '' },
    runId: `bench-${Date.now().toString(36)}`,
  });
  try {
    const runBase = (Date.now() % 1_000_000) * 1000;
    const { records, motes } = workload(runBase);
    // Straight to the apps' ports, as their sidecars would call them (with the app token): this measures the pipeline, not the gateway.
    const ingestion = platform.apps.ingestion!;
    const monitor = platform.apps.monitor!;
    const features = platform.apps.features!;
    const cpuBefore = cpuByProcess(platform);
    const started = performance.now();
    let accepted = 0;
    let rejected = 0;
    let next = 0;
    const sender = async () => {
      for (;;) {
        const at = next;
        next += BATCH;
        if (at >= records.length) return;
        const body = JSON.stringify(records.slice(at, at + BATCH));
        for (let attempt = 0; ; attempt++) {
          const res = await ingestion.fetchApp('/v1/ingest/sensor-readings', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          if (res.status === 202) {
            const r = IngestResult.parse(await res.json());
            accepted += r.accepted;
            rejected += r.rejected;
            break;
          }
          // 503: the broker did not take part of it; the retry publishes exactly the rest.
          if (res.status !== 503 || attempt > 20)
            throw new Error(`ingestion answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, sender));
    const ingestS = (performance.now() - started) / 1000;
    say(
      `${broker}: ${records.length} records posted in ${ingestS.toFixed(1)} s (accepted ${accepted}, rejected ${rejected}); waiting for the monitor`,
    );

    let report = PipelineReport.parse({
      entities: 0,
      rows: 0,
      repeats: 0,
      lag_ms: { p50: null, p99: null, max: null },
    });
    let lastChange = performance.now();
    let doneAt = performance.now();
    for (;;) {
      const r = await json<unknown>(monitor, `/v1/monitor/pipeline?entities=${motes.join(',')}`).then((x) =>
        PipelineReport.parse(x),
      );
      if (r.rows !== report.rows) {
        lastChange = performance.now();
        doneAt = lastChange;
      }
      report = r;
      if (report.rows >= accepted) break;
      if (performance.now() - lastChange > DRAIN_TIMEOUT_MS) {
        say(`${broker}: no progress for ${DRAIN_TIMEOUT_MS / 1000} s at ${report.rows} of ${accepted} rows`);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const totalS = (doneAt - started) / 1000;
    const cpuAfter = cpuByProcess(platform);
    const applied = (
      await Promise.all(
        motes.map((m) =>
          json<{ readings_applied: number }>(features, `/v1/features/sensor/${m}`).catch(() => ({
            readings_applied: 0,
          })),
        ),
      )
    ).reduce((sum, f) => sum + f.readings_applied, 0);
    const processed = Math.min(report.rows, applied);
    const row: Row = {
      broker,
      records: records.length,
      records_per_s: Math.round(records.length / totalS),
      lag_p50_ms: report.lag_ms.p50,
      lag_p99_ms: report.lag_ms.p99,
      lost: Math.max(0, accepted - processed) + Math.max(0, records.length - accepted - rejected),
      double_counted: Math.max(0, applied - accepted) + Math.max(0, report.rows - accepted),
      accepted,
      dead_lettered: rejected,
      processed,
      redeliveries_recognised: report.repeats,
      ingest_s: Math.round(ingestS * 10) / 10,
      drain_s: Math.round((totalS - ingestS) * 10) / 10,
      cpu_s: Object.fromEntries(
        Object.entries(cpuAfter)
          .map(([k, v]) => [k, Math.round((v - (cpuBefore[k] ?? 0)) * 10) / 10])
          .filter(([, v]) => (v as number) > 0),
      ),
    };
    say(`${broker}: ${JSON.stringify(row)}`);
    return row;
  } finally {
    await platform.stop();
    if (values.keep) say(`${broker}: data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

const home = mkdtempSync(join(tmpdir(), 'meridian-bench-cp-'));
const cp = await startControlPlane({ binDir: daprBinDir(), home });
const rows: Row[] = [];
try {
  for (const broker of brokers) rows.push(await runBroker(broker, cp));
} finally {
  await cp.stop();
  rmSync(home, { recursive: true, force: true });
}

const table = [
  '| broker | records | records/s | lag p50 ms | lag p99 ms | lost | double counted | dead-lettered | redeliveries recognised |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.broker} | ${r.records} | ${r.records_per_s} | ${r.lag_p50_ms ?? '-'} | ${r.lag_p99_ms ?? '-'} | ${r.lost} | ${r.double_counted} | ${r.dead_lettered} | ${r.redeliveries_recognised} |`,
  ),
].join('\n');
process.stdout.write(`${table}\n\nCPU seconds per process while the records went through:\n`);
for (const r of rows)
  process.stdout.write(
    `${r.broker}: ${Object.entries(r.cpu_s)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}\n`,
  );
mkdirSync(repoPath('bench/results'), { recursive: true });
const file = repoPath('bench/results', `pipeline-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
say(`wrote ${file}`);
