import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fakes.ts';
import { EventLag } from './event-lag.ts';

describe('EventLag', () => {
  const make = () => {
    const clock = new FakeClock();
    const ago = (ms: number) => new Date(clock.now() - ms).toISOString();
    return { clock, ago, lag: new EventLag({ windowSeconds: 60, clock: clock.now }) };
  };

  it('when events are taken in, then p50 and p99 come from the histogram, max and last are exact', () => {
    const { ago, lag } = make();
    for (let ms = 1; ms <= 100; ms++) lag.observe(ago(ms));
    lag.observe(ago(30));
    const r = lag.report();
    expect(r.events).toBe(101);
    expect(r.lag_ms.p50).toBeGreaterThanOrEqual(50);
    expect(r.lag_ms.p50).toBeLessThanOrEqual(55);
    expect(r.lag_ms.p99).toBeGreaterThanOrEqual(99);
    expect(r.lag_ms).toMatchObject({ max: 100, last: 30 });
    expect(r.window_seconds).toBe(60);
  });

  it('when the window moves on, then older events drop out slot by slot, and with none left every figure is null', () => {
    const { clock, ago, lag } = make();
    lag.observe(ago(500));
    clock.advance(30_000);
    lag.observe(ago(20));
    expect(lag.report()).toMatchObject({ events: 2, lag_ms: { max: 500, last: 20 } });
    clock.advance(31_000);
    expect(lag.report()).toMatchObject({ events: 1, lag_ms: { max: 20, last: 20 } });
    clock.advance(60_000);
    expect(lag.report()).toEqual({
      events: 0,
      duplicates: 0,
      lag_ms: { p50: null, p99: null, max: null, last: null },
      window_seconds: 60,
    });
  });

  it("when an event is stamped later than the monitor's clock (hosts disagree), then its lag is 0, not negative", () => {
    const { ago, lag } = make();
    lag.observe(ago(-5_000));
    expect(lag.report().lag_ms).toEqual({ p50: 0, p99: 0, max: 0, last: 0 });
  });
});
