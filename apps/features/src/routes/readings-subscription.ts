import { StreamTopicEvent } from '@meridian/contracts';
import { bulkSubscription, type BulkSubscription } from '@meridian/service-kit';
import type { ConsumptionMeter } from '../domain/consumption-meter.ts';
import type { StreamProcessor } from '../domain/stream-processor.ts';

export const READINGS_ROUTE = '/events/sensor-readings';

/**
 * Sensor readings in bulk deliveries of IngestedRecordsEvents (or the earlier one-record events):
 * schema failures are dropped by service-kit, the rest answered per entry by the processor.
 */
export function readingsSubscription(o: {
  env: { PUBSUB_NAME: string; READINGS_TOPIC: string; BULK_MAX_MESSAGES: number; BULK_MAX_AWAIT_MS: number };
  processor: Pick<StreamProcessor, 'process'>;
  meter: Pick<ConsumptionMeter, 'track'>;
}): BulkSubscription<unknown> {
  return bulkSubscription({
    pubsub: o.env.PUBSUB_NAME,
    topic: o.env.READINGS_TOPIC,
    route: READINGS_ROUTE,
    schema: StreamTopicEvent,
    // A mote's later readings never go in before its earlier ones, across the parts of a large delivery too.
    ordered: true,
    bulk: { maxMessagesCount: o.env.BULK_MAX_MESSAGES, maxAwaitDurationMs: o.env.BULK_MAX_AWAIT_MS },
    handleBatch: (items) =>
      o.meter.track(new Map(items.map((i) => [i.entryId, i.data.records.length])), () =>
        o.processor.process(items.map((i) => ({ entryId: i.entryId, event: i.data }))),
      ),
  });
}
