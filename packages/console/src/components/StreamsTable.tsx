import type { StreamStats } from '@meridian/contracts';
import { fmtNumber, fmtTime } from '../format.ts';
import type { IngestStream } from '../types.ts';
import { useApi } from '../use-api.ts';
import { Remote } from './Remote.tsx';
import { ScrollTable } from './ScrollTable.tsx';

function StreamRow(props: { stream: IngestStream }) {
  const stats = useApi<StreamStats>(`/v1/ingest/streams/${encodeURIComponent(props.stream.name)}/stats`, {
    refreshMs: 15_000,
  });
  const s = stats.data;
  return (
    <tr>
      <th scope="row">{props.stream.name}</th>
      <td>
        <code>{props.stream.topic}</code>
      </td>
      {s ? (
        <>
          <td>{fmtNumber(s.accepted, 0)}</td>
          <td>{fmtNumber(s.rejected, 0)}</td>
          <td class={s.dead_lettered ? 'bad' : undefined}>{fmtNumber(s.dead_lettered, 0)}</td>
          <td>{fmtNumber(s.duplicates, 0)}</td>
          <td>{fmtNumber(s.batches, 0)}</td>
          <td>{fmtTime(s.updated_at)}</td>
        </>
      ) : (
        <td colSpan={6} class="muted">
          {stats.error ? stats.error.message : 'Loading…'}
        </td>
      )}
    </tr>
  );
}

/** The ingestion streams and their running totals (accepted, rejected, dead-lettered, duplicates). */
export function StreamsTable() {
  const streams = useApi<IngestStream[]>('/v1/ingest/streams');
  return (
    <Remote state={streams}>
      {(list) => (
        <ScrollTable caption="Ingestion streams">
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <th scope="col">Topic</th>
              <th scope="col">Accepted</th>
              <th scope="col">Rejected</th>
              <th scope="col">Dead letters</th>
              <th scope="col">Duplicates</th>
              <th scope="col">Batches</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <StreamRow key={s.name} stream={s} />
            ))}
          </tbody>
        </ScrollTable>
      )}
    </Remote>
  );
}
