import type { IngestedRecord } from '@meridian/contracts';
import type { Reading } from './mote-state.ts';

/**
 * A sensor record as ingestion publishes it (received at `receivedAt`, epoch ms), or why it is
 * not one (then it is dropped: it can never succeed).
 */
export function toReading(
  published: IngestedRecord,
  receivedAt: number,
): { entity: string; reading: Reading } | { error: string } {
  const r = published.record;
  const ts = typeof r.ts === 'number' ? r.ts : typeof r.ts === 'string' ? Date.parse(r.ts) : Number.NaN;
  if (
    typeof r.mote_id !== 'number' ||
    typeof r.humidity !== 'number' ||
    typeof r.temperature !== 'number' ||
    !Number.isFinite(ts)
  ) {
    return { error: 'not a sensor reading: needs numeric mote_id, humidity, temperature and a timestamp ts' };
  }
  const label = r.label === 0 || r.label === 1 ? r.label : undefined;
  return {
    entity: String(r.mote_id),
    reading: {
      key: published.key,
      ts,
      humidity: r.humidity,
      temperature: r.temperature,
      received_at: receivedAt,
      ...(label !== undefined ? { label } : {}),
    },
  };
}
