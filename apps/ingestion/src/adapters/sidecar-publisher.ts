import { requestLogger, type DaprClient } from '@meridian/service-kit';
import type { OutgoingEvent, Publisher } from '../domain/ports.ts';
import { mapLimit } from '@meridian/service-kit';

export type PublishMode = 'bulk' | 'single';

/** What the broker gets beside an event: its partition key, when it has one. */
const brokerMetadata = (e: OutgoingEvent) =>
  e.partitionKey === undefined ? undefined : { partitionKey: e.partitionKey };

export type PublishSidecar = Pick<DaprClient, 'publish' | 'publishBulk'>;

/**
 * Publishes through the sidecar: in one bulk call (Dapr's alpha bulk
 * publish API, which reports failed entries one by one), or one call per
 * event with bounded concurrency. A publish that errors counts as not
 * published; it never throws, so the caller can mark what did go through.
 */
export class SidecarPublisher implements Publisher {
  constructor(
    private readonly opts: { dapr: PublishSidecar; pubsub: string; mode: PublishMode; concurrency: number },
  ) {}

  async publish(o: { topic: string; events: OutgoingEvent[] }): Promise<Set<string>> {
    if (!o.events.length) return new Set();
    return this.opts.mode === 'bulk' ? this.bulk(o) : this.single(o);
  }

  private async bulk(o: { topic: string; events: OutgoingEvent[] }): Promise<Set<string>> {
    const all = new Set(o.events.map((e) => e.entryId));
    try {
      const failed = await this.opts.dapr.publishBulk({
        pubsub: this.opts.pubsub,
        topic: o.topic,
        entries: o.events.map((e) => ({
          entryId: e.entryId,
          event: e.data,
          contentType: 'application/json',
          metadata: brokerMetadata(e),
        })),
      });
      if (failed.size)
        requestLogger().warn({ topic: o.topic, failed: failed.size, of: all.size }, 'bulk publish failed');
      return failed;
    } catch (err) {
      requestLogger().warn({ err, topic: o.topic, of: all.size }, 'bulk publish failed');
      return all;
    }
  }

  private async single(o: { topic: string; events: OutgoingEvent[] }): Promise<Set<string>> {
    const failed = new Set<string>();
    let firstError: unknown;
    // Events of one partition key go one after another, to keep their order; keys go side by side.
    const byKey = new Map<string, OutgoingEvent[]>();
    const lines: OutgoingEvent[][] = [];
    for (const e of o.events) {
      const line = e.partitionKey === undefined ? undefined : byKey.get(e.partitionKey);
      if (line) line.push(e);
      else {
        lines.push([e]);
        if (e.partitionKey !== undefined) byKey.set(e.partitionKey, lines.at(-1)!);
      }
    }
    await mapLimit(lines, this.opts.concurrency, async (line) => {
      for (const [n, e] of line.entries()) {
        try {
          await this.opts.dapr.publish({
            pubsub: this.opts.pubsub,
            topic: o.topic,
            data: e.data,
            metadata: brokerMetadata(e),
          });
        } catch (err) {
          firstError ??= err;
          // The key's later events wait for this one: the batch's retry publishes them after it.
          for (const later of line.slice(n)) failed.add(later.entryId);
          return;
        }
      }
    });
    if (failed.size)
      requestLogger().warn(
        { err: firstError, topic: o.topic, failed: failed.size, of: o.events.length },
        'publish failed',
      );
    return failed;
  }
}
