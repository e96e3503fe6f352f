import { describe, expect, it } from 'vitest';
import type { PredictionEvent } from '@meridian/contracts';
import type { BulkItem } from '@meridian/service-kit';
import { MemoryStateStore } from '../testing/fakes.ts';
import { DriftHistoryLog } from './drift-history.ts';
import { DriftMonitor } from './drift-monitor.ts';
import { EventLag } from './event-lag.ts';
import { LabelQuality } from './label-quality.ts';
import { PipelineLedger } from './pipeline-ledger.ts';
import { PredictionCounter } from './prediction-counter.ts';
import { PredictionLogConsumer } from './record-predictions.ts';
import { SloTracker } from './slo-tracker.ts';

const store = 'statestore';

function consumer(state: MemoryStateStore) {
  const counter = new PredictionCounter({ state, store });
  const slo = new SloTracker({ state, store, window: 1000, objectives: { latency_p99_ms: 500, error_rate: 0.01 } });
  const drift = new DriftMonitor({
    state,
    store,
    windowSize: 500,
    thresholds: { psi: 0.2, ks_p_value: 0.01 },
    cards: { card: async () => undefined, currentVersion: async () => undefined },
    alerts: {} as never,
    history: new DriftHistoryLog({ state, store, max: 100 }),
  });
  const observed: string[] = [];
  const log = new PredictionLogConsumer({
    quality: new LabelQuality({ state, store, window: 100 }),
    pipeline: new PipelineLedger({ state, store }),
    slo,
    drift,
    counter,
    bias: { observe: (e: PredictionEvent) => void observed.push(e.id) },
    lag: new EventLag({ windowSeconds: 60 }),
  });
  return { log, counter, slo, observed };
}

const event = (id: string, model = 'm'): PredictionEvent => ({
  id,
  model,
  version: '1',
  input_hash: id,
  rows: 1,
  inputs: { humidity: [40] },
  outputs: { p: [0.1] },
  latency_ms: 3,
  ts: new Date().toISOString(),
});
const items = (events: PredictionEvent[]): BulkItem<PredictionEvent>[] =>
  events.map((data, i) => ({ entryId: `e${i}`, id: data.id, data }));

describe('PredictionLogConsumer', () => {
  it('when a batch of 300 predictions arrives, then each is counted once and the state calls do not grow with the events', async () => {
    const state = new MemoryStateStore();
    const { log, counter, slo, observed } = consumer(state);
    const events = Array.from({ length: 300 }, (_, i) => event(`p${i}`, i % 2 ? 'a' : 'b'));
    const answers = await log.predictions(items(events));
    expect([...answers.values()].every((a) => a === 'SUCCESS')).toBe(true);
    expect(await counter.counts()).toEqual({ total: 300, models: { a: 150, b: 150 } });
    expect((await slo.report('a'))!.window.requests).toBe(150);
    expect(observed).toHaveLength(300);
    // Per step one bulk read and one bulk write (a few more only for keys that lost a race): not 5 per event.
    expect(state.calls).toBeLessThan(15);
  });

  it('when a batch repeats events already taken and carries one twice, then nothing is counted twice', async () => {
    const state = new MemoryStateStore();
    const { log, counter, observed } = consumer(state);
    await log.predictions(items([event('x1'), event('x2')]));
    const again = await log.predictions(items([event('x2'), event('x3'), event('x3')]));
    expect([...again.values()]).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect((await counter.counts()).total).toBe(3);
    expect(observed).toEqual(['x1', 'x2', 'x3']);
  });

  it('when a key stays contended past its attempts, then those events are retried and not counted; delivered again, they count once', async () => {
    const state = new MemoryStateStore();
    const { log, counter } = consumer(state);
    state.conflicts = 10_000;
    const answers = await log.predictions(items([event('y1'), event('y2')]));
    expect([...answers.values()]).toEqual(['RETRY', 'RETRY']);
    state.conflicts = 0;
    expect((await counter.counts()).total).toBe(0);
    await log.predictions(items([event('y1'), event('y2')]));
    expect((await counter.counts()).total).toBe(2);
  }, 30_000);
});
