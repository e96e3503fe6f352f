import { FeaturesStats, type ConsumerProgress } from '@meridian/contracts';
import { callApp, type InvokePort } from '@meridian/service-kit';
import type { ConsumerProgressSource } from '../domain/ports.ts';

/**
 * The features app's progress through the sensor-readings topic, from its
 * stats (service invocation; the ACL in apps/apps.json lets ingestion read
 * them). Asked once per backlog refresh, never per batch.
 */
export class FeaturesProgress implements ConsumerProgressSource {
  constructor(private readonly opts: { dapr: InvokePort; appId: string; timeoutMs: number }) {}

  async progress(): Promise<ConsumerProgress> {
    const stats = await callApp(this.opts.dapr, {
      appId: this.opts.appId,
      method: 'v1/features/stats',
      schema: FeaturesStats,
      timeoutMs: this.opts.timeoutMs,
      what: "reading the features app's progress",
    });
    return stats.consumer;
  }
}
