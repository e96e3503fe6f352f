import type { ConsumerProgress } from '@meridian/contracts';
import { FeaturesClient, type InvokePort } from '@meridian/service-kit';
import type { ConsumerProgressSource } from '../domain/ports.ts';

/**
 * The features app's progress through the sensor-readings topic, from its
 * stats (service invocation; the ACL in apps/apps.json lets ingestion read
 * them). Asked once per backlog refresh, never per batch.
 */
export class FeaturesProgress implements ConsumerProgressSource {
  private readonly features: FeaturesClient;

  constructor(private readonly opts: { dapr: InvokePort; appId: string; timeoutMs: number }) {
    this.features = new FeaturesClient({ dapr: opts.dapr, appId: opts.appId });
  }

  async progress(): Promise<ConsumerProgress> {
    return (await this.features.stats({ timeoutMs: this.opts.timeoutMs })).consumer;
  }
}
