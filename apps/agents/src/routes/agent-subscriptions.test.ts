import { describe, expect, it } from 'vitest';
import type { IngestedRecordEvent } from '@meridian/contracts';
import { moteReadingOf } from './agent-subscriptions.ts';

const event = (record: Record<string, unknown>): IngestedRecordEvent => ({
  stream: 'sensor-readings',
  key: 'k1',
  record,
  received_at: '2026-11-29T10:00:00.000Z',
});

describe('moteReadingOf', () => {
  it('when a record is a sensor reading, then it becomes the mote reading keyed by the ingestion key, with its label', () => {
    expect(
      moteReadingOf(event({ mote_id: 7, humidity: 45.1, temperature: 28, ts: '2026-11-29T09:59:00Z', label: 1 })),
    ).toEqual({
      mote: '7',
      reading: { key: 'k1', ts: Date.parse('2026-11-29T09:59:00Z'), humidity: 45.1, temperature: 28, label: 1 },
    });
  });

  it('when a record is not a sensor reading, then there is none (the delivery drops it)', () => {
    expect(moteReadingOf(event({ mote_id: 7, humidity: 'wet', temperature: 28, ts: 1 }))).toBeUndefined();
    expect(moteReadingOf(event({ humidity: 45, temperature: 28, ts: 1 }))).toBeUndefined();
    expect(moteReadingOf(event({ mote_id: 7, humidity: 45, temperature: 28, ts: 'yesterday' }))).toBeUndefined();
  });

  it('when a label is not 0 or 1, then the reading has no label', () => {
    expect(moteReadingOf(event({ mote_id: 1, humidity: 45, temperature: 28, ts: 5, label: 'yes' }))?.reading).toEqual({
      key: 'k1',
      ts: 5,
      humidity: 45,
      temperature: 28,
    });
  });
});
