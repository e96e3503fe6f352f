import type { ConsumerProgress, StreamStats } from '@meridian/contracts';
import { addStats, emptyStats } from '../adapters/state-stats.ts';
import type {
  ConsumerProgressSource,
  OutgoingEvent,
  Publisher,
  SeenKeys,
  StatsDelta,
  StatsStore,
} from '../domain/ports.ts';

const tick = () => new Promise((r) => setImmediate(r));

/** A broker that records what it took; `down` makes it refuse, `failAfter` lets the first n events through. */
export class MemoryPublisher implements Publisher {
  readonly sent: { topic: string; data: unknown; partitionKey?: string }[] = [];
  down = false;
  failAfter: number | undefined;

  async publish(o: { topic: string; events: OutgoingEvent[] }): Promise<Set<string>> {
    await tick();
    const failed = new Set<string>();
    for (const e of o.events) {
      if (this.down || (this.failAfter !== undefined && this.sent.length >= this.failAfter)) failed.add(e.entryId);
      else
        this.sent.push({
          topic: o.topic,
          data: e.data,
          ...(e.partitionKey === undefined ? {} : { partitionKey: e.partitionKey }),
        });
    }
    return failed;
  }
}

/** Insert-only marks with the same interleaving as calls over HTTP. */
export class MemorySeenKeys implements SeenKeys {
  readonly marks = new Set<string>();

  async seen(o: { stream: string; keys: string[] }): Promise<Set<string>> {
    await tick();
    return new Set(o.keys.filter((k) => this.marks.has(`${o.stream}/${k}`)));
  }

  async mark(o: { stream: string; keys: string[] }): Promise<Set<string>> {
    await tick();
    const won = new Set<string>();
    for (const k of o.keys) {
      if (this.marks.has(`${o.stream}/${k}`)) continue;
      this.marks.add(`${o.stream}/${k}`);
      won.add(k);
    }
    return won;
  }
}

export class MemoryStats implements StatsStore {
  readonly totals = new Map<string, StreamStats>();

  async add(o: { stream: string; delta: StatsDelta; at: string }): Promise<void> {
    this.totals.set(
      o.stream,
      addStats({ stats: this.totals.get(o.stream) ?? emptyStats(o.stream), delta: o.delta, at: o.at }),
    );
  }

  async get(stream: string): Promise<StreamStats> {
    return this.totals.get(stream) ?? emptyStats(stream);
  }
}

/** A stream's consumer as its stats report it: `now` is what it answers, `down` makes it unreachable; `reads` counts the calls. */
export class FakeConsumer implements ConsumerProgressSource {
  reads = 0;
  down = false;
  now: ConsumerProgress = { instance: 'c1', started_at: '2026-12-01T09:00:00.000Z', consumed: 0, in_flight: 0 };

  async progress(): Promise<ConsumerProgress> {
    this.reads += 1;
    await tick();
    if (this.down) throw new Error('features unreachable');
    return { ...this.now };
  }

  /** Takes `n` more records off the topic. */
  consume(n: number): void {
    this.now = { ...this.now, consumed: this.now.consumed + n };
  }
}
