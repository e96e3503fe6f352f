import {
  activeTraceContext,
  Coalescer,
  inTraceContext,
  orAfter,
  traceHeaders,
  type CoalescerCounts,
  type DaprClient,
  type TraceContext,
} from '@meridian/service-kit';
import type { EventPublisher } from '../domain/ports.ts';

/** One topic's events: how they went out (see Coalescer), and how many wait now. */
export type EventBatchingCounts = CoalescerCounts & { queued: number };

/** The most events in one bulk publish, and the most bytes of their JSON (a lone larger event goes alone). */
export const MAX_PUBLISH_BATCH = 64;
export const MAX_PUBLISH_BATCH_BYTES = 1024 * 1024;
/** Sampled events waiting per topic past which a new one is dropped (logged by the prediction log), not queued. */
const MAX_WAITING_EVENTS = 10_000;

interface Outgoing {
  /** The event's JSON, serialised once: its size bounds a batch, and it is sent as it is. */
  json: string;
  /** The trace of the request that made it (its `inference.publish` span). */
  traced: TraceContext;
}

/**
 * Events to the broker through the sidecar's pub/sub API, on one pub/sub component. Under load
 * they travel together: per topic, while `inFlight` publishes are out, further events wait and
 * then leave in one bulk publish (service-kit's Coalescer; every prediction publishes an event, so
 * at a few thousand predictions a second these calls were as many again through the sidecar).
 * Each event keeps its own trace: in a bulk publish its traceparent rides in the entry's
 * `cloudevent.traceparent`, which daprd writes into that event's CloudEvent. A bulk entry the
 * broker did not take fails only its own event. A required event (one its request waits for)
 * goes alone at once, never behind sampled ones. `inFlight` 0: every event alone. With `lingerMs`
 * a sampled event that could leave at once waits that long for others (or until a batch is full):
 * at a light, steady load every prediction made its own trip through the sidecar and the broker.
 * `flush` sends what waits and answers once every topic is done, or a bound passed (a stopping app calls it).
 */
export class SidecarPublisher implements EventPublisher {
  private readonly topics = new Map<string, Coalescer<Outgoing, void>>();

  constructor(
    private readonly opts: {
      dapr: Pick<DaprClient, 'publish' | 'publishBulk'>;
      pubsub: string;
      inFlight?: number;
      /** How long a sampled event waits for others when it could leave at once: 0 (the default), none. */
      lingerMs?: number;
      /** Sampled events waiting per topic past which a new one is dropped: 10,000. */
      maxWaiting?: number;
    },
  ) {}

  publish(o: { topic: string; data: unknown; required?: boolean }): Promise<void> {
    const json = JSON.stringify(o.data) as string | undefined;
    if (json === undefined) return Promise.reject(new Error(`an event on ${o.topic} has no JSON form`));
    const out = { json, traced: activeTraceContext() };
    if (this.opts.inFlight === 0 || o.required) return this.alone(o.topic, out);
    let topic = this.topics.get(o.topic);
    if (!topic) {
      topic = this.coalescer(o.topic, this.opts.inFlight ?? 2);
      this.topics.set(o.topic, topic);
    }
    const maxWaiting = this.opts.maxWaiting ?? MAX_WAITING_EVENTS;
    if (topic.queued >= maxWaiting)
      return Promise.reject(
        new Error(`${maxWaiting} events on ${o.topic} are waiting for the sidecar; this one is dropped`),
      );
    return topic.call(out);
  }

  /** Sends every waiting event now; answers true once none is out or waiting, false if some still are after `withinMs`. */
  flush(withinMs: number): Promise<boolean> {
    const all = Promise.all([...this.topics.values()].map((c) => c.flush())).then(() => true);
    return orAfter(all, withinMs, () => false);
  }

  /** Per topic: events that went alone, bulk publishes, the events those carried, and the events waiting now. */
  counts(): Record<string, EventBatchingCounts> {
    return Object.fromEntries([...this.topics].map(([topic, c]) => [topic, { ...c.counts, queued: c.queued }]));
  }

  private alone(topic: string, out: Outgoing): Promise<void> {
    // A string is sent as the JSON text it is.
    return inTraceContext(out.traced, () =>
      this.opts.dapr.publish({ pubsub: this.opts.pubsub, topic, data: out.json }),
    );
  }

  private coalescer(topic: string, maxInFlight: number): Coalescer<Outgoing, void> {
    return new Coalescer<Outgoing, void>({
      maxInFlight,
      maxItems: MAX_PUBLISH_BATCH,
      lingerMs: this.opts.lingerMs ?? 0,
      maxBytes: MAX_PUBLISH_BATCH_BYTES,
      sizeOf: (out) => Buffer.byteLength(out.json),
      single: (out) => this.alone(topic, out),
      batch: async (outs) => {
        // The call itself goes in the first event's trace (as the gateway's batches do), not in that of
        // whichever call happened to free the slot.
        const failed = await inTraceContext(outs[0]!.traced, () =>
          this.opts.dapr.publishBulk({
            pubsub: this.opts.pubsub,
            topic,
            entries: outs.map((out, i) => ({
              entryId: String(i),
              eventJson: out.json,
              metadata: cloudEventTrace(out.traced),
            })),
          }),
        );
        return outs.map((_, i) =>
          failed.has(String(i))
            ? { status: 'rejected', reason: new Error(`the broker did not take the event (bulk publish to ${topic})`) }
            : { status: 'fulfilled', value: undefined },
        );
      },
    });
  }
}

/** The event's own trace as bulk publish entry metadata: daprd puts it in the event's CloudEvent. */
function cloudEventTrace(traced: TraceContext): Record<string, string> {
  const h = inTraceContext(traced, traceHeaders);
  if (!h.traceparent) return {};
  // The tracestate always goes with it, empty when the event has none: else daprd would keep that of the
  // bulk call, made in another event's trace.
  return { 'cloudevent.traceparent': h.traceparent, 'cloudevent.tracestate': h.tracestate ?? '' };
}
