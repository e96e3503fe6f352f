import type { DaprClient } from '@meridian/service-kit';
import type { EventPublisher } from '../domain/ports.ts';

/** Events to the broker through the sidecar's pub/sub API, on one pub/sub component. */
export class SidecarPublisher implements EventPublisher {
  constructor(private readonly opts: { dapr: DaprClient; pubsub: string }) {}

  publish(o: { topic: string; data: unknown }): Promise<void> {
    return this.opts.dapr.publish({ pubsub: this.opts.pubsub, topic: o.topic, data: o.data });
  }
}
