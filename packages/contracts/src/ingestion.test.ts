import { describe, expect, it } from 'vitest';
import {
  DeadLetterEvent,
  IngestResult,
  MAX_LISTED_REJECTIONS,
  MAX_RECORDS_PER_EVENT,
  StreamTopicEvent,
} from './ingestion.ts';

describe('IngestResult', () => {
  it('when records were rejected, then the answer lists why, one entry per failing field with its record index', () => {
    const answer = {
      accepted: 1,
      rejected: 2,
      duplicates: 0,
      rejections: [
        { index: 1, field: 'humidity', reason: 'Too big: expected number to be <=100' },
        { index: 1, field: 'mote_id', reason: 'Required' },
        { index: 2, field: '(record)', reason: 'expected an object' },
      ],
    };
    expect(IngestResult.parse(answer)).toEqual(answer);
  });

  it('when nothing was rejected and no list was sent, then the rejections are an empty list', () => {
    expect(IngestResult.parse({ accepted: 3, rejected: 0, duplicates: 1 })).toEqual({
      accepted: 3,
      rejected: 0,
      duplicates: 1,
      rejections: [],
    });
  });

  it('when more rejections are listed than an answer may hold, or a count is negative, then the answer is refused', () => {
    const rejection = { index: 0, field: 'x', reason: 'r' };
    const tooMany = {
      accepted: 0,
      rejected: 50,
      duplicates: 0,
      rejections: Array.from({ length: MAX_LISTED_REJECTIONS + 1 }, (_, index) => ({ ...rejection, index })),
    };
    expect(IngestResult.safeParse(tooMany).error?.issues[0]?.path).toEqual(['rejections']);
    expect(IngestResult.safeParse({ ...tooMany, rejections: tooMany.rejections.slice(1) }).success).toBe(true);
    expect(IngestResult.safeParse({ accepted: -1, rejected: 0, duplicates: 0 }).error?.issues[0]?.path).toEqual([
      'accepted',
    ]);
  });
});

describe('DeadLetterEvent', () => {
  it('when a record is dead-lettered, then the event needs its key, a reason and when it was received', () => {
    const event = {
      stream: 'sensor-readings',
      index: 0,
      key: 'k',
      reason: 'humidity: Too big',
      errors: [{ path: 'humidity', message: 'Too big' }],
      record: { humidity: 140 },
      received_at: '2026-11-29T06:00:00Z',
    };
    expect(DeadLetterEvent.parse(event)).toEqual(event);
    expect(DeadLetterEvent.safeParse({ ...event, reason: '' }).success).toBe(false);
    expect(DeadLetterEvent.safeParse({ ...event, received_at: 'now' }).success).toBe(false);
  });
});

describe('StreamTopicEvent', () => {
  const records = [{ key: 'id:1', record: { mote_id: 1, humidity: 40 } }];
  const event = { stream: 'sensor-readings', received_at: '2026-12-01T10:00:00Z', records };

  it('when an event carries records, then it is read as it is, within the bound of records an event carries', () => {
    expect(StreamTopicEvent.parse(event)).toEqual(event);
    expect(StreamTopicEvent.safeParse({ ...event, records: [] }).success).toBe(false);
    const many = Array.from({ length: MAX_RECORDS_PER_EVENT + 1 }, () => records[0]!);
    expect(StreamTopicEvent.safeParse({ ...event, records: many }).success).toBe(false);
  });

  it('when an event has the earlier one-record shape, then it is read as an event of that one record', () => {
    const earlier = {
      stream: 'sensor-readings',
      key: 'id:1',
      record: records[0]!.record,
      received_at: event.received_at,
    };
    expect(StreamTopicEvent.parse(earlier)).toEqual(event);
    expect(StreamTopicEvent.safeParse({ ...earlier, key: '' }).success).toBe(false);
  });
});
