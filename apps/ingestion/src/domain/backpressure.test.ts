import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '@meridian/testkit';
import { createLogger } from '@meridian/service-kit';
import { FakeConsumer, MemoryStats } from '../testing/fakes.ts';
import { Backpressure } from './backpressure.ts';

createLogger({ name: 'test', level: 'silent' });
const STREAM = 'sensor-readings';

function setup(o: { max?: number; waitMs?: number } = {}) {
  const clock = new FakeClock();
  const consumer = new FakeConsumer();
  const stats = new MemoryStats();
  const backpressure = new Backpressure({
    sources: { [STREAM]: consumer },
    stats,
    maxRecords: o.max ?? 800,
    failOpenMs: 30_000,
    idleResetMs: 60_000,
    now: clock.now,
    ...(o.waitMs === undefined ? {} : { waitMs: o.waitMs }),
  });
  /** A batch taken in whole: admitted, counted in the stats as intake would, answered. */
  const ingest = async (records: number) => {
    const admission = backpressure.admit({ stream: STREAM, records });
    if (!admission.ok) return admission.backlog;
    await stats.add({
      stream: STREAM,
      delta: { accepted: records, rejected: 0, duplicates: 0, dead_lettered: 0 },
      at: new Date(clock.now()).toISOString(),
    });
    admission.done();
    return 'taken';
  };
  const snapshot = () => backpressure.snapshot()[0]!;
  return { clock, consumer, backpressure, ingest, snapshot };
}

afterEach(() => vi.useRealTimers());

describe('Backpressure', () => {
  it('when the backlog leaves room, then a batch is taken; when it does not, then it is refused with the backlog, the bound and when to retry', async () => {
    const { clock, consumer, backpressure, ingest, snapshot } = setup();
    await backpressure.refresh();
    expect(await ingest(500)).toBe('taken');
    await backpressure.refresh();
    expect(await ingest(300)).toBe('taken');
    // No rate measured yet: the default wait.
    expect(await ingest(1)).toEqual({
      stream: STREAM,
      records: 800,
      max_records: 800,
      batch_records: 1,
      retry_after_seconds: 5,
    });
    clock.advance(1000);
    consumer.consume(100);
    await backpressure.refresh();
    // 700 waiting at 100 a second: room for 300 more in 2 s.
    expect(await ingest(300)).toMatchObject({ records: 700, retry_after_seconds: 2 });
    expect(await ingest(100)).toBe('taken');
    expect(snapshot()).toMatchObject({ records: 800, refusals: 2, processed: 100, source_up: true });
  });

  it('when batches arrive between two measurements, then each counts in full at once, so concurrent ones cannot all slip under the bound', async () => {
    const { backpressure } = setup();
    await backpressure.refresh();
    const first = backpressure.admit({ stream: STREAM, records: 600 });
    const second = backpressure.admit({ stream: STREAM, records: 600 });
    expect([first.ok, second.ok]).toEqual([true, false]);
  });

  it('when nothing is waiting, then a batch over the bound is taken whole, and the next waits until all of it is processed', async () => {
    const { consumer, backpressure, ingest } = setup();
    await backpressure.refresh();
    expect(await ingest(1000)).toBe('taken');
    consumer.consume(999);
    await backpressure.refresh();
    expect(await ingest(1000)).toMatchObject({ records: 1, batch_records: 1000 });
    consumer.consume(1);
    await backpressure.refresh();
    expect(await ingest(1000)).toBe('taken');
  });

  it('when the bound is 0, or a stream has no consumer to wait for, then nothing is refused and nothing is measured', async () => {
    const off = setup({ max: 0 });
    expect([await off.ingest(100_000), await off.ingest(100_000)]).toEqual(['taken', 'taken']);
    await off.backpressure.refresh();
    expect(off.consumer.reads).toBe(0);
    const on = setup();
    const events = [1, 2].map(() => on.backpressure.admit({ stream: 'events', records: 100_000 }).ok);
    expect(events).toEqual([true, true]);
  });

  it('when the consumer cannot be reached, then the bound holds on what this replica took for BACKLOG_FAIL_OPEN_MS, then batches are taken without it until it is measured again', async () => {
    const { clock, consumer, backpressure, ingest, snapshot } = setup();
    await backpressure.refresh();
    consumer.down = true;
    expect(await ingest(800)).toBe('taken');
    await backpressure.refresh();
    expect(snapshot()).toMatchObject({ source_up: false, failing_open: false, records: 800 });
    expect(await ingest(1)).toMatchObject({ records: 800 });
    clock.advance(30_000);
    expect(await ingest(1)).toBe('taken');
    expect(snapshot()).toMatchObject({ source_up: false, failing_open: true });
    consumer.down = false;
    consumer.consume(801);
    await backpressure.refresh();
    expect(snapshot()).toMatchObject({ source_up: true, failing_open: false, records: 0 });
    expect(await ingest(800)).toBe('taken');
    expect(await ingest(1)).toMatchObject({ records: 800 });
  });

  it('when many batches come, then the consumer is asked once per interval, and never again while a measurement is still running', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { consumer, backpressure } = setup({ max: 1_000_000 });
    // Answers within the same turn, so each tick's measurement is over before the next tick.
    const progress = vi.spyOn(consumer, 'progress').mockImplementation(async () => ({ ...consumer.now }));
    backpressure.start({ everyMs: 500 });
    const admitMany = () => {
      for (let i = 0; i < 100; i++) expect(backpressure.admit({ stream: STREAM, records: 1 }).ok).toBe(true);
    };
    admitMany();
    expect(progress).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(500);
    admitMany();
    expect(progress).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(progress).toHaveBeenCalledTimes(3);
    // A source that does not answer: the ticks that find it still running ask nothing more.
    let answer!: () => void;
    progress.mockImplementation(() => new Promise((r) => (answer = () => r({ ...consumer.now }))));
    await vi.advanceTimersByTimeAsync(2000);
    expect(progress).toHaveBeenCalledTimes(4);
    answer();
    backpressure.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(progress).toHaveBeenCalledTimes(4);
  });

  it('when a batch does not fit but the consumer makes room within BACKLOG_WAIT_MS, then it is taken once a measurement shows the room, not refused', async () => {
    const { clock, consumer, backpressure, ingest, snapshot } = setup({ waitMs: 1000 });
    await backpressure.refresh();
    expect(await ingest(800)).toBe('taken');
    let settled = false;
    const waiting = backpressure.admitWaiting({ stream: STREAM, records: 200 }).finally(() => {
      settled = true;
    });
    // A measurement that finds the consumer with nothing taken yet: the batch keeps waiting.
    clock.advance(100);
    await backpressure.refresh();
    expect(settled).toBe(false);
    clock.advance(100);
    consumer.consume(300);
    await backpressure.refresh();
    expect((await waiting).ok).toBe(true);
    expect(snapshot()).toMatchObject({ records: 700, refusals: 0 });
  });

  it('when nothing makes room before BACKLOG_WAIT_MS is over, then the batch is refused with its Retry-After', async () => {
    const { clock, backpressure, ingest, snapshot } = setup({ waitMs: 1000 });
    await backpressure.refresh();
    expect(await ingest(800)).toBe('taken');
    const waiting = backpressure.admitWaiting({ stream: STREAM, records: 200 });
    clock.advance(1000);
    await backpressure.refresh();
    const admission = await waiting;
    expect(admission.ok || admission.backlog).toMatchObject({ records: 800, batch_records: 200 });
    expect(snapshot().refusals).toBe(1);
  });
});
