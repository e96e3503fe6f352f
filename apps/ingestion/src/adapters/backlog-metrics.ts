import { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '@meridian/service-kit';
import type { BacklogSnapshot } from '../domain/backpressure.ts';

const BACKLOG = 'meridian_pipeline_backlog_records';

type Field = 'records' | 'source_up' | 'failing_open' | 'refusals' | 'processed' | 'written_off';

const GAUGES: { name: string; help: string; field: Field }[] = [
  { name: BACKLOG, help: 'Records of a stream accepted but not yet processed by its consumer', field: 'records' },
  {
    name: 'meridian_pipeline_backlog_source_up',
    help: "1 while the latest measurement of a stream's backlog succeeded",
    field: 'source_up',
  },
  {
    name: 'meridian_pipeline_backlog_failing_open',
    help: "1 while a stream's batches are taken without a bound (its backlog was not measured for BACKLOG_FAIL_OPEN_MS)",
    field: 'failing_open',
  },
];

const COUNTERS: { name: string; help: string; field: Field }[] = [
  {
    name: 'meridian_ingest_backlog_refusals_total',
    help: "Batches answered 429 because their stream's backlog had no room for them",
    field: 'refusals',
  },
  {
    name: 'meridian_pipeline_processed_records_total',
    help: "Records of a stream its consumer answered for good, as ingestion's backlog measurements saw them",
    field: 'processed',
  },
  {
    name: 'meridian_pipeline_written_off_records_total',
    help: 'Records accepted but never processed: still counted as waiting when the consumer had been idle for BACKLOG_IDLE_RESET_MS',
    field: 'written_off',
  },
];

const value = (s: BacklogSnapshot, field: Field) => Number(s[field]);

/** The backlog of every bounded stream, read at scrape time from `snapshot` (once per metric family). */
export function backlogMetrics(o: { registry: MetricsRegistry; snapshot: () => BacklogSnapshot[] }): void {
  // The same registry handed over twice (an app built again in one process) already has them.
  if (o.registry.getSingleMetric(BACKLOG)) return;
  const registers = [o.registry];
  for (const g of GAUGES)
    new Gauge({
      name: g.name,
      help: g.help,
      labelNames: ['stream'],
      registers,
      collect() {
        this.reset();
        for (const s of o.snapshot()) this.set({ stream: s.stream }, value(s, g.field));
      },
    });
  for (const c of COUNTERS)
    new Counter({
      name: c.name,
      help: c.help,
      labelNames: ['stream'],
      registers,
      collect() {
        // The counts are kept by the domain; a scrape shows them as they are.
        this.reset();
        for (const s of o.snapshot()) this.inc({ stream: s.stream }, value(s, c.field));
      },
    });
}
