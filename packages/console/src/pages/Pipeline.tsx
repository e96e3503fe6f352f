import type { MonitorPipelineReport } from '@meridian/contracts';
import { useRef } from 'preact/hooks';
import { PageHeading } from '../components/PageHeading.tsx';
import { Remote } from '../components/Remote.tsx';
import { StreamsTable } from '../components/StreamsTable.tsx';
import { fmtMs, fmtNumber } from '../format.ts';
import { hasAnyRole } from '../session.ts';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';

/** Stream rows per second between the last two reports read (null until there are two). */
function useRowRate(report: MonitorPipelineReport | undefined): number | null {
  const seen = useRef<{ report: MonitorPipelineReport; rows: number; at: number }[]>([]);
  if (report && seen.current[seen.current.length - 1]?.report !== report) {
    seen.current = [...seen.current.slice(-1), { report, rows: report.rows, at: Date.now() }];
  }
  const [a, b] = seen.current;
  return a && b && b.at > a.at ? (b.rows - a.rows) / ((b.at - a.at) / 1000) : null;
}

/** The data pipeline end to end: stream rows reaching the monitor, event lag, duplicates, ingestion totals. */
export function Pipeline() {
  const pipeline = useApi<MonitorPipelineReport>('/v1/monitor/pipeline', { refreshMs: 10_000 });
  const rate = useRowRate(pipeline.data);
  const ingest = hasAnyRole(useSession(), ['ingest', 'admin']);
  return (
    <section>
      <PageHeading title="Pipeline" />
      <section aria-labelledby="flow-h" class="panel">
        <h2 id="flow-h">Stream rows to predictions</h2>
        <Remote state={pipeline}>
          {(p) => (
            <dl class="facts wide">
              <dt>Records/s</dt>
              <dd>{rate === null ? '— (measured between two reports)' : fmtNumber(rate, 2)}</dd>
              <dt>Rows scored</dt>
              <dd>{fmtNumber(p.rows, 0)}</dd>
              <dt>Entities</dt>
              <dd>{fmtNumber(p.entities, 0)}</dd>
              <dt>Row lag p50 / p99 / max</dt>
              <dd>
                {fmtMs(p.lag_ms.p50)} / {fmtMs(p.lag_ms.p99)} / {fmtMs(p.lag_ms.max)}
              </dd>
              <dt>Rows delivered again</dt>
              <dd>{fmtNumber(p.repeats, 0)}</dd>
              <dt>Prediction events (last {p.predictions.window_seconds} s)</dt>
              <dd>{fmtNumber(p.predictions.events, 0)}</dd>
              <dt>Prediction event lag p50 / p99</dt>
              <dd>
                {fmtMs(p.predictions.lag_ms.p50)} / {fmtMs(p.predictions.lag_ms.p99)}
              </dd>
              <dt>Duplicate deliveries</dt>
              <dd>{fmtNumber(p.predictions.duplicates, 0)}</dd>
            </dl>
          )}
        </Remote>
      </section>
      <section aria-labelledby="streams-h" class="panel">
        <h2 id="streams-h">Ingestion</h2>
        {ingest ? (
          <>
            <StreamsTable />
            <p class="muted">
              Each rejected record is dead-lettered on <code>&lt;topic&gt;.dead-letter</code> with its reason; the
              ingestion answer to a batch lists the first reasons.
            </p>
          </>
        ) : (
          <p class="muted">Ingestion totals are for accounts with the ingest or admin role.</p>
        )}
      </section>
    </section>
  );
}
