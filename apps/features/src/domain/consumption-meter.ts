import { randomUUID } from 'node:crypto';
import type { ConsumerProgress } from '@meridian/contracts';
import type { DeliveryResult } from '@meridian/service-kit';

/**
 * Counts the readings this process has taken off the topic for good, for
 * ingestion's backpressure: ingestion compares them with what it accepted.
 * Only SUCCESS and DROP count: the broker forgets those entries, while an
 * entry answered RETRY (or a delivery that failed) comes back and counts then.
 * In memory on purpose: a second state write per delivery would cost the hot
 * path, and `instance` tells ingestion that the counts started again.
 */
export class ConsumptionMeter {
  private consumed = 0;
  private inFlight = 0;
  private readonly instance: string;
  private readonly startedAt: string;

  constructor(o: { clock: () => Date; instance?: string }) {
    this.instance = o.instance ?? randomUUID();
    this.startedAt = o.clock().toISOString();
  }

  /** Runs one delivery, its entries' records counted in flight while it runs and consumed by its answers. */
  async track(
    entries: ReadonlyMap<string, number>,
    handle: () => Promise<Map<string, DeliveryResult>>,
  ): Promise<Map<string, DeliveryResult>> {
    let records = 0;
    for (const n of entries.values()) records += n;
    this.inFlight += records;
    try {
      const answers = await handle();
      for (const [entryId, answer] of answers) if (answer !== 'RETRY') this.consumed += entries.get(entryId) ?? 0;
      return answers;
    } finally {
      this.inFlight -= records;
    }
  }

  report(): ConsumerProgress {
    return { instance: this.instance, started_at: this.startedAt, consumed: this.consumed, in_flight: this.inFlight };
  }
}
