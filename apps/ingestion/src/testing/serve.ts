import { inProcessEnv, servedApp, type ServedApp } from '@meridian/testkit';
import { createMetricsRegistry, createServiceApp, parseEnv, type DaprClient } from '@meridian/service-kit';
import { Backpressure } from '../domain/backpressure.ts';
import { STREAMS } from '../domain/streams.ts';
import { ingestionEnv } from '../env.ts';
import { createApp } from '../server.ts';
import { FakeConsumer, MemoryPublisher, MemorySeenKeys, MemoryStats } from './fakes.ts';

/** Ingestion over in-memory fakes, served in-process with its app token; the caller closes `served`. */
export interface TestIngestion {
  served: ServedApp;
  publisher: MemoryPublisher;
  stats: MemoryStats;
  /** The sensor stream's consumer, whose progress bounds the backlog. */
  consumer: FakeConsumer;
  backpressure: Backpressure;
  metrics: ReturnType<typeof createMetricsRegistry>;
}

/**
 * `maxBacklog` records of backlog on the sensor stream (0: no bound); `now` is the clock of
 * the backlog's measurements and of the records' receipt.
 */
export async function serveIngestion(o: { maxBacklog: number; now: () => number }): Promise<TestIngestion> {
  const env = parseEnv(ingestionEnv, inProcessEnv({ app: 'ingestion' }));
  const publisher = new MemoryPublisher();
  const stats = new MemoryStats();
  const consumer = new FakeConsumer();
  const metrics = createMetricsRegistry();
  const backpressure = new Backpressure({
    sources: { 'sensor-readings': consumer },
    stats,
    maxRecords: o.maxBacklog,
    failOpenMs: 30_000,
    idleResetMs: 60_000,
    now: o.now,
  });
  const app = createServiceApp(
    createApp({
      env,
      dapr: { healthy: async () => true } as unknown as DaprClient,
      streams: { ...STREAMS },
      publisher,
      seenKeys: new MemorySeenKeys(),
      stats,
      clock: () => new Date(o.now()),
      maxRecords: 10_000,
      backpressure,
      metrics,
    }),
  );
  const served = await servedApp({ app, token: env.APP_API_TOKEN });
  return { served, publisher, stats, consumer, backpressure, metrics };
}
