import { describe, expect, it } from 'vitest';
import type { ConsumerProgress } from '@meridian/contracts';
import { BacklogEstimate } from './backlog-estimate.ts';

const SINCE = Date.parse('2026-12-01T10:00:00Z');
const consumer = (o: Partial<ConsumerProgress> = {}): ConsumerProgress => ({
  instance: 'c1',
  started_at: '2026-12-01T09:00:00Z',
  consumed: 0,
  in_flight: 0,
  ...o,
});

function estimate() {
  const e = new BacklogEstimate({ since: SINCE, idleResetMs: 60_000 });
  const at = (s: number) => SINCE + s * 1000;
  return { e, at };
}

describe('BacklogEstimate', () => {
  it('when records are accepted and then processed, then the backlog rises by the first and falls by the second', () => {
    const { e, at } = estimate();
    // The first sample is the baseline: what was accepted and consumed before it is not counted.
    e.observe({ accepted: 5000, consumer: consumer({ consumed: 4000 }), at: at(0) });
    expect(e.records).toBe(0);
    e.observe({ accepted: 5600, consumer: consumer({ consumed: 4100, in_flight: 100 }), at: at(1) });
    expect(e.records).toBe(500);
    expect(e.observe({ accepted: 5600, consumer: consumer({ consumed: 4600 }), at: at(2) })).toEqual({
      processed: 500,
      writtenOff: 0,
    });
    expect(e.records).toBe(0);
  });

  it('when the consumer reports records before the stats count them, then the backlog is not left too high afterwards', () => {
    const { e, at } = estimate();
    e.observe({ accepted: 0, consumer: consumer(), at: at(0) });
    e.observe({ accepted: 0, consumer: consumer({ consumed: 300 }), at: at(1) });
    expect(e.records).toBe(0);
    e.observe({ accepted: 300, consumer: consumer({ consumed: 300 }), at: at(2) });
    expect(e.records).toBe(0);
  });

  it('when the consumer restarts while watched, then the new process counts whole; one older than the watch counts from first sight', () => {
    const { e, at } = estimate();
    e.observe({ accepted: 0, consumer: consumer({ consumed: 900 }), at: at(0) });
    e.observe({ accepted: 1000, consumer: consumer({ consumed: 1200 }), at: at(1) });
    expect(e.records).toBe(700);
    const restarted = consumer({ instance: 'c2', started_at: '2026-12-01T10:00:02Z', consumed: 650 });
    expect(e.observe({ accepted: 1000, consumer: restarted, at: at(3) }).processed).toBe(650);
    expect(e.records).toBe(50);
    // A replica that was already running before ingestion began watching: its past was before our totals.
    const older = consumer({ instance: 'c3', started_at: '2026-12-01T08:00:00Z', consumed: 10_000 });
    expect(e.observe({ accepted: 1000, consumer: older, at: at(4) }).processed).toBe(0);
    expect(e.records).toBe(50);
  });

  it('when the consumer stays idle with records still counted, then they are written off once the idle period has passed, and not before', () => {
    const { e, at } = estimate();
    e.observe({ accepted: 0, consumer: consumer(), at: at(0) });
    e.observe({ accepted: 400, consumer: consumer({ consumed: 100 }), at: at(1) });
    expect(e.observe({ accepted: 400, consumer: consumer({ consumed: 100 }), at: at(60) })).toEqual({
      processed: 0,
      writtenOff: 0,
    });
    expect(e.records).toBe(300);
    expect(e.observe({ accepted: 400, consumer: consumer({ consumed: 100 }), at: at(61) })).toEqual({
      processed: 0,
      writtenOff: 300,
    });
    expect(e.records).toBe(0);
  });

  it('when the consumer has a delivery in flight, then it is not idle, however long nothing completes', () => {
    const { e, at } = estimate();
    e.observe({ accepted: 0, consumer: consumer(), at: at(0) });
    e.observe({ accepted: 400, consumer: consumer({ in_flight: 400 }), at: at(1) });
    expect(e.observe({ accepted: 400, consumer: consumer({ in_flight: 400 }), at: at(120) }).writtenOff).toBe(0);
    expect(e.records).toBe(400);
  });

  it('when more was processed than accepted (a redelivery counted twice) and the consumer goes idle, then the estimate starts again from zero', () => {
    const { e, at } = estimate();
    e.observe({ accepted: 0, consumer: consumer(), at: at(0) });
    e.observe({ accepted: 100, consumer: consumer({ consumed: 150 }), at: at(1) });
    e.observe({ accepted: 250, consumer: consumer({ consumed: 300 }), at: at(2) });
    expect(e.records).toBe(0);
    expect(e.observe({ accepted: 250, consumer: consumer({ consumed: 300 }), at: at(63) })).toEqual({
      processed: 0,
      writtenOff: 0,
    });
    // Without the reset, the 50 counted twice would hide the first 50 records of the next batch.
    e.observe({ accepted: 350, consumer: consumer({ consumed: 300 }), at: at(64) });
    expect(e.records).toBe(100);
  });
});
