import type { PredictionCounts, PredictionEvent } from '@meridian/contracts';
import type { DaprClient, DeliveryResult } from '@meridian/service-kit';

const COUNTS_KEY = 'prediction-counts';
const seenKey = (id: string) => `seen-prediction:${id}`;
const MAX_ATTEMPTS = 20;

export function emptyCounts(): PredictionCounts {
  return { total: 0, models: {} };
}

export function addPrediction(counts: PredictionCounts, model: string): PredictionCounts {
  return { total: counts.total + 1, models: { ...counts.models, [model]: (counts.models[model] ?? 0) + 1 } };
}

/**
 * Counts each prediction exactly once although pub/sub delivers at least
 * once: the "seen" marker and the new count are written in one transaction
 * guarded by the count's ETag, so a redelivery or a concurrent delivery
 * loses the race, re-reads, and finds the marker.
 */
export class PredictionCounter {
  constructor(private readonly opts: { dapr: DaprClient; store: string }) {}

  /** Counts the event unless it was counted before; `fresh` says which. */
  async record(event: PredictionEvent): Promise<{ status: DeliveryResult; fresh: boolean }> {
    const { dapr, store } = this.opts;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const seen = await dapr.getState<number>({ store, key: seenKey(event.id) });
      if (seen.value !== undefined) return { status: 'SUCCESS', fresh: false };
      const current = await dapr.getState<PredictionCounts>({ store, key: COUNTS_KEY });
      const next = addPrediction(current.value ?? emptyCounts(), event.model);
      const committed = await dapr.transact({
        store,
        operations: [
          { operation: 'upsert', request: { key: seenKey(event.id), value: 1, options: { concurrency: 'first-write' } } },
          {
            operation: 'upsert',
            request: { key: COUNTS_KEY, value: next, ...(current.etag ? { etag: current.etag } : {}), options: { concurrency: 'first-write' } },
          },
        ],
      });
      if (committed) return { status: 'SUCCESS', fresh: true };
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
    }
    return { status: 'RETRY', fresh: false };
  }

  /** Whether the prediction with this id has been counted. */
  async seen(id: string): Promise<boolean> {
    return (await this.opts.dapr.getState<number>({ store: this.opts.store, key: seenKey(id) })).value !== undefined;
  }

  async counts(): Promise<PredictionCounts> {
    const { value } = await this.opts.dapr.getState<PredictionCounts>({ store: this.opts.store, key: COUNTS_KEY });
    return value ?? emptyCounts();
  }
}
