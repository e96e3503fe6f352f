import { describe, expect, it } from 'vitest';
import { MASK, streamMasker } from './mask.ts';
import { configureStreams, STREAMS } from './streams.ts';

describe('streamMasker', () => {
  it('when a record holds a declared PII field at any depth, then a copy has it masked and the original is untouched', () => {
    const record = {
      type: 'signup',
      user_email: 'ada@example.com',
      ts: 1,
      properties: { referrer: { USER_EMAIL: 'grace@example.com' } },
    };
    expect(streamMasker(['user_email']).mask(record)).toEqual({
      type: 'signup',
      user_email: MASK,
      ts: 1,
      properties: { referrer: { USER_EMAIL: MASK } },
    });
    expect(record.user_email).toBe('ada@example.com');
  });

  it('when PII sits under an innocent name, then the built-in names and the value detectors still mask it', () => {
    const record = {
      type: 'support',
      properties: { phone: '0612345678', note: 'reach ada@example.com or +44 20 7946 0958', plan: 'pro' },
    };
    expect(streamMasker([]).mask(record)).toEqual({
      type: 'support',
      properties: { phone: MASK, note: 'reach [email] or [phone]', plan: 'pro' },
    });
  });

  it('when a sensor reading is masked, then it comes out equal', () => {
    const reading = { id: 'r-17', mote_id: 7, humidity: 44.5, temperature: 25.5, ts: '2024-03-01T10:00:00Z', label: 0 };
    expect(streamMasker(STREAMS['sensor-readings']!.pii).mask(reading)).toEqual(reading);
  });

  it('when a value is not an object, then strings are scanned and the rest is returned as it is', () => {
    expect(streamMasker(['user_email']).mask('text for a@b.com')).toBe('text for [email]');
    expect(streamMasker(['user_email']).mask(42)).toBe(42);
  });
});

describe('configureStreams', () => {
  it('when PII fields are configured for a stream, then they replace its defaults; an unknown stream is refused', () => {
    const streams = configureStreams({ pii: { 'sensor-readings': ['mote_id'] } });
    expect(streams['sensor-readings']!.pii).toEqual(['mote_id']);
    expect(streams.events!.pii).toEqual(['user_email']);
    expect(() => configureStreams({ pii: { nope: ['x'] } })).toThrow(/unknown streams: nope/);
  });

  it('when mote_id is configured as PII, then nested copies of it are masked too', () => {
    const spec = configureStreams({ pii: { 'sensor-readings': ['mote_id'] } })['sensor-readings']!;
    expect(streamMasker(spec.pii).mask({ mote_id: 7, raw: [{ mote_id: 8 }] })).toEqual({
      mote_id: MASK,
      raw: [{ mote_id: MASK }],
    });
  });
});
