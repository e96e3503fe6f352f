import { mkdirSync, writeFileSync } from 'node:fs';
import { repoPath } from '@meridian/platform';

/** One broker's figures, as bench/results/pipeline-<ts>.json holds them. */
export interface PipelineRow {
  broker: string;
  records: number;
  records_per_s: number;
  /** The bare Dapr path on the same broker in the same run (null with --skip-bare or when it failed). */
  bare_records_per_s: number | null;
  /** records_per_s / bare_records_per_s. */
  fraction_of_bare: number | null;
  lag_p50_ms: number | null;
  lag_p99_ms: number | null;
  lost: number;
  double_counted: number;
  /** Batches ingestion answered 429 (each was sent again after its Retry-After). */
  refused_batches: number;
  /** Seconds the posters waited on Retry-After, summed over them. */
  retry_after_s: number;
  /** Batches ingestion answered 503 (the broker did not take all of it); each was sent again. */
  unavailable_batches: number;
  /** The MAX_BACKLOG_RECORDS ingestion ran with (0: no bound). */
  max_backlog_records: number;
  /** Records per batch (per request, and per bulk publish on the bare path). */
  batch: number;
  accepted: number;
  dead_lettered: number;
  /** Records both counts below have: processed end to end. */
  processed: number;
  /** Readings the features app applied (summed over the motes): a shortfall here was lost before features. */
  features_applied: number;
  /** Rows the monitor's ledger counted: a shortfall here alone was lost between features and the monitor. */
  monitor_rows: number;
  redeliveries_recognised: number;
  ingest_s: number;
  drain_s: number;
  /** The bare path's own figures (null when it was not measured) and why it failed, if it did. */
  bare_seconds: number | null;
  bare_delivered: number | null;
  bare_lost: number | null;
  bare_error?: string;
  /** CPU seconds per process while the records went through: the apps, their sidecars, this process, and the servers (broker, state store) that did anything. */
  cpu_s: Record<string, number>;
  /** All of cpu_s per record sent, in microseconds: steadier from run to run than records_per_s on a machine whose speed drifts. */
  cpu_us_per_record: number;
  /** The same for the bare path (its own cpu_s in bare_cpu_s), null when it was not measured. */
  bare_cpu_us_per_record: number | null;
  bare_cpu_s?: Record<string, number>;
}

/** records_per_s over bare_records_per_s, to two places. */
export function fractionOfBare(recordsPerS: number, bare: number | null): number | null {
  return bare ? Math.round((recordsPerS / bare) * 100) / 100 : null;
}

const dash = (v: number | null) => (v === null ? '-' : String(v));

export function pipelineTable(rows: PipelineRow[]): string {
  return [
    '| broker | records | records/s | bare records/s | fraction of bare | CPU µs/record | bare CPU µs/record | lag p50 ms | lag p99 ms | lost | double counted | dead-lettered | batch | backlog bound | refused batches | redeliveries recognised |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows
      .map((r) =>
        [
          r.broker,
          r.records,
          r.records_per_s,
          dash(r.bare_records_per_s),
          dash(r.fraction_of_bare),
          r.cpu_us_per_record,
          dash(r.bare_cpu_us_per_record),
          dash(r.lag_p50_ms),
          dash(r.lag_p99_ms),
          r.lost,
          r.double_counted,
          r.dead_lettered,
          r.batch,
          r.max_backlog_records,
          r.refused_batches,
          r.redeliveries_recognised,
        ].join(' | '),
      )
      .map((line) => `| ${line} |`),
  ].join('\n');
}

/** Prints the table and each run's CPU seconds per process, writes the rows to bench/results; answers the file. */
export function reportPipeline(rows: PipelineRow[]): string {
  process.stdout.write(`${pipelineTable(rows)}\n\nCPU seconds per process while the records went through:\n`);
  const line = (cpu: Record<string, number>) =>
    Object.entries(cpu)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  for (const r of rows) {
    process.stdout.write(`${r.broker}: ${line(r.cpu_s)}\n`);
    if (r.bare_cpu_s) process.stdout.write(`${r.broker}, bare path: ${line(r.bare_cpu_s)}\n`);
  }
  mkdirSync(repoPath('bench/results'), { recursive: true });
  const file = repoPath('bench/results', `pipeline-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
  return file;
}
