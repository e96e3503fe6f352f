import type { DaprClient } from '@meridian/service-kit';
import type { EventPublisher } from '../domain/ports.ts';

/** Publishes through the sidecar on the monitor's pub/sub component. */
export class SidecarPublisher implements EventPublisher {
  constructor(private readonly opts: { dapr: Pick<DaprClient, 'publish'>; pubsub: string }) {}

  publish(o: { topic: string; data: unknown }): Promise<void> {
    return this.opts.dapr.publish({ pubsub: this.opts.pubsub, topic: o.topic, data: o.data });
  }
}
