import { describe, expect, it } from 'vitest';
import type { DeliveryResult } from '@meridian/service-kit';
import { ConsumptionMeter } from './consumption-meter.ts';

const meter = () => new ConsumptionMeter({ clock: () => new Date('2026-12-01T10:00:00Z'), instance: 'p1' });
const answers = (...results: DeliveryResult[]) => new Map(results.map((r, i) => [`e${i}`, r]));
/** A delivery's entries and the records each carries. */
const entries = (...records: number[]) => new Map(records.map((n, i) => [`e${i}`, n]));

describe('ConsumptionMeter', () => {
  it("when a delivery is answered, then the records of SUCCESS and DROP entries count as consumed and RETRY entries' do not", async () => {
    const m = meter();
    await m.track(entries(1, 20, 300, 4000), async () => answers('SUCCESS', 'DROP', 'RETRY', 'SUCCESS'));
    expect(m.report()).toEqual({
      instance: 'p1',
      started_at: '2026-12-01T10:00:00.000Z',
      consumed: 4021,
      in_flight: 0,
    });
  });

  it("when a delivery is being handled, then its entries' records are in flight until it is answered", async () => {
    const m = meter();
    let release!: () => void;
    const running = m.track(entries(3, 2), () => new Promise((r) => (release = () => r(answers('SUCCESS', 'RETRY')))));
    expect(m.report()).toMatchObject({ consumed: 0, in_flight: 5 });
    release();
    await running;
    expect(m.report()).toMatchObject({ consumed: 3, in_flight: 0 });
  });

  it('when a delivery fails (it will be redelivered), then nothing counts as consumed and nothing stays in flight', async () => {
    const m = meter();
    await expect(m.track(entries(1, 1), () => Promise.reject(new Error('inference down')))).rejects.toThrow(
      'inference down',
    );
    expect(m.report()).toMatchObject({ consumed: 0, in_flight: 0 });
  });

  it('when no instance is given, then each process gets its own', () => {
    const clock = () => new Date(0);
    expect(new ConsumptionMeter({ clock }).report().instance).not.toBe(
      new ConsumptionMeter({ clock }).report().instance,
    );
  });
});
