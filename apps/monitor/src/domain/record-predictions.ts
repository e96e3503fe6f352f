import type { PredictionErrorEvent, PredictionEvent } from '@meridian/contracts';
import { KeyedLock, type BulkItem, type DeliveryResult } from '@meridian/service-kit';
import type { BiasMonitor } from './bias-monitor.ts';
import type { DriftMonitor } from './drift-monitor.ts';
import type { EventLag } from './event-lag.ts';
import type { LabelQuality } from './label-quality.ts';
import type { PipelineLedger } from './pipeline-ledger.ts';
import type { PredictionCounter } from './prediction-counter.ts';
import type { SloTracker } from './slo-tracker.ts';

export interface PredictionLogDeps {
  quality: Pick<LabelQuality, 'recordPredictions'>;
  pipeline: Pick<PipelineLedger, 'record'>;
  slo: Pick<SloTracker, 'recordPredictions' | 'recordErrors'>;
  drift: Pick<DriftMonitor, 'observeMany'>;
  counter: Pick<PredictionCounter, 'recordMany'>;
  bias: Pick<BiasMonitor, 'observe'>;
  lag: Pick<EventLag, 'observe' | 'duplicates'>;
}

const firstOfEach = <T extends { id: string }>(items: BulkItem<T>[]) => [
  ...new Map(items.map((i) => [i.data.id, i.data])).values(),
];

const answer = <T extends { id: string }>(items: BulkItem<T>[], retry: Set<string>) =>
  new Map<string, DeliveryResult>(items.map((i) => [i.entryId, retry.has(i.data.id) ? 'RETRY' : 'SUCCESS']));

/**
 * A batch of the prediction log, as the monitor takes it in: each step
 * writes each key it touches once for the whole batch (a model's drift
 * window, its SLO shards, the count shards) instead of once per event, and
 * each step recognises an event it has taken before, so an event whose
 * step lost to contention is simply delivered again. An event is counted
 * last, once everything else has it: "counted" means fully taken in.
 */
export class PredictionLogConsumer {
  /** One batch at a time per process: concurrent batches would only contend for the same keys (a model's window, its SLO shards). */
  private readonly lock = new KeyedLock();

  constructor(private readonly deps: PredictionLogDeps) {}

  predictions(items: BulkItem<PredictionEvent>[]): Promise<Map<string, DeliveryResult>> {
    const { deps } = this;
    return this.lock.withKeys(['predictions'], async () => {
      const events = firstOfEach(items);
      await deps.quality.recordPredictions(events);
      // Stream rows are counted per row key, whatever the event id (a re-scored row comes in a new event).
      const uncounted = await deps.pipeline.record(events);
      const behind = new Set([
        ...uncounted,
        ...(await deps.slo.recordPredictions(events)),
        ...(await deps.drift.observeMany(events)),
      ]);
      const countable = events.filter((e) => !behind.has(e.id));
      const { fresh, failed } = await deps.counter.recordMany(countable);
      // Kept in memory (live selection rates, lag): only on an event's first counting, so a redelivery is not measured twice.
      for (const e of countable.filter((c) => fresh.has(c.id))) {
        deps.bias.observe(e);
        deps.lag.observe(e.ts);
      }
      // Copies within this batch, and events counted by an earlier delivery.
      deps.lag.duplicates(
        items.length - events.length + countable.filter((c) => !fresh.has(c.id) && !failed.has(c.id)).length,
      );
      return answer(items, new Set([...behind, ...failed]));
    });
  }

  /** A batch of failed requests, for the SLOs' error rates. */
  async errors(items: BulkItem<PredictionErrorEvent>[]): Promise<Map<string, DeliveryResult>> {
    return answer(items, await this.deps.slo.recordErrors(firstOfEach(items)));
  }
}
