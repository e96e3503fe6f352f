import { describe, expect, it } from 'vitest';
import { MASK, maskRecord } from './mask.ts';
import { configureStreams } from './streams.ts';

describe('maskRecord', () => {
  it('when a record holds PII fields, then a copy has them masked and the original is untouched', () => {
    const record = { type: 'signup', user_email: 'ada@example.com', ts: 1 };
    expect(maskRecord(record, ['user_email', 'phone'])).toEqual({ type: 'signup', user_email: MASK, ts: 1 });
    expect(record.user_email).toBe('ada@example.com');
  });

  it('when there is nothing to mask or the value is not an object, then it is returned as it is', () => {
    expect(maskRecord('text', ['user_email'])).toBe('text');
    expect(maskRecord({ a: 1 }, [])).toEqual({ a: 1 });
  });
});

describe('configureStreams', () => {
  it('when PII fields are configured for a stream, then they replace its defaults; an unknown stream is refused', () => {
    const streams = configureStreams({ pii: { 'sensor-readings': ['mote_id'] } });
    expect(streams['sensor-readings']!.pii).toEqual(['mote_id']);
    expect(streams.events!.pii).toEqual(['user_email']);
    expect(() => configureStreams({ pii: { nope: ['x'] } })).toThrow(/unknown streams: nope/);
  });
});
