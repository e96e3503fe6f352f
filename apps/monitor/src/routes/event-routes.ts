import { Label, PredictionErrorEvent, PredictionEvent, Topics } from '@meridian/contracts';
import { bulkSubscription, subscription, type BulkSubscription, type Subscription } from '@meridian/service-kit';
import type { LabelQuality } from '../domain/label-quality.ts';
import type { PredictionLogConsumer } from '../domain/record-predictions.ts';

export interface EventRouteDeps {
  env: { PUBSUB_NAME: string; BULK_MAX_MESSAGES: number; BULK_MAX_AWAIT_MS: number };
  log: Pick<PredictionLogConsumer, 'predictions' | 'errors'>;
  quality: Pick<LabelQuality, 'recordLabels'>;
}

/** The monitor's subscriptions: the one table that makes `/dapr/subscribe` and its handlers. */
export function eventRoutes(deps: EventRouteDeps): (Subscription<unknown> | BulkSubscription<unknown>)[] {
  const pubsub = deps.env.PUBSUB_NAME;
  const bulk = { maxMessagesCount: deps.env.BULK_MAX_MESSAGES, maxAwaitDurationMs: deps.env.BULK_MAX_AWAIT_MS };
  return [
    // The prediction log in batches: each batch writes each key it touches once (see PredictionLogConsumer).
    bulkSubscription({
      pubsub,
      topic: Topics.predictions,
      route: '/events/predictions',
      schema: PredictionEvent,
      bulk,
      handleBatch: (items) => deps.log.predictions(items),
    }),
    subscription({
      pubsub,
      topic: Topics.labels,
      route: '/events/labels',
      schema: Label,
      // An unmatched label is retried: its prediction may still be on its way. A thrown error (a contended window) is retried too.
      handle: async (label) => ((await deps.quality.recordLabels([label])).unmatched.length ? 'RETRY' : 'SUCCESS'),
    }),
    bulkSubscription({
      pubsub,
      topic: Topics.predictionErrors,
      route: '/events/prediction-errors',
      schema: PredictionErrorEvent,
      bulk,
      handleBatch: (items) => deps.log.errors(items),
    }),
  ];
}
