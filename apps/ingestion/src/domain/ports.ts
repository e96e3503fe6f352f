import type { ConsumerProgress, IngestCounts, StreamStats } from '@meridian/contracts';

export interface OutgoingEvent {
  /** Unique within one publish call; reported back when that event failed. */
  entryId: string;
  data: unknown;
  /** Events with one key keep their order (one Kafka partition); brokers without partitions ignore it. */
  partitionKey?: string;
}

/** The broker, through the sidecar's pub/sub API. */
export interface Publisher {
  /** Publishes the events and answers the entry ids that were NOT published. */
  publish(o: { topic: string; events: OutgoingEvent[] }): Promise<Set<string>>;
}

/** Idempotency marks, one per record key, kept for a TTL. */
export interface SeenKeys {
  /** The keys of `keys` that already have a mark. */
  seen(o: { stream: string; keys: string[] }): Promise<Set<string>>;
  /** Writes marks insert-only; answers the keys this call marked first (the others lost a race). */
  mark(o: { stream: string; keys: string[] }): Promise<Set<string>>;
}

export interface StatsDelta extends IngestCounts {
  dead_lettered: number;
}

export interface StatsStore {
  add(o: { stream: string; delta: StatsDelta; at: string }): Promise<void>;
  get(stream: string): Promise<StreamStats>;
}

/** How far a stream's consumer has got (the features app, for sensor readings): what bounds its backlog. */
export interface ConsumerProgressSource {
  progress(): Promise<ConsumerProgress>;
}
