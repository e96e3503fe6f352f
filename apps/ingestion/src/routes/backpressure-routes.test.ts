import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@meridian/testkit';
import { IngestBacklogProblem, IngestResult } from '@meridian/contracts';
import { createLogger } from '@meridian/service-kit';
import { serveIngestion } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
const clock = new FakeClock();
const { served, publisher, consumer, backpressure, metrics } = await serveIngestion({
  maxBacklog: 10,
  now: clock.now,
});
afterAll(() => served.close());

let next = 0;
const readings = (n: number) =>
  Array.from({ length: n }, () => ({ mote_id: 1, humidity: 40, temperature: 20, ts: 1709287200000 + next++ }));
const metric = async (name: string) =>
  Number(new RegExp(`^${name}\\{stream="sensor-readings"\\} (\\S+)`, 'm').exec(await metrics.metrics())?.[1]);

describe('POST /v1/ingest/:stream with backpressure (a bound of 10 records)', () => {
  it('when the backlog has room, then 202; when it has none, then 429 problem+json names the backlog, Retry-After says when, and nothing is published', async () => {
    await backpressure.refresh();
    const taken = await served.call('POST', '/v1/ingest/sensor-readings', readings(8));
    expect([taken.status, IngestResult.parse(taken.body).accepted]).toEqual([202, 8]);
    await backpressure.refresh();
    const published = publisher.sent.length;

    const refused = await served.call('POST', '/v1/ingest/sensor-readings', readings(3));
    expect(refused.status).toBe(429);
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toBe('5');
    const problem = IngestBacklogProblem.parse(refused.body);
    expect(problem).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      instance: '/v1/ingest/sensor-readings',
      backlog: { stream: 'sensor-readings', records: 8, max_records: 10, batch_records: 3, retry_after_seconds: 5 },
    });
    expect(problem.detail).toMatch(/8 record\(s\) of sensor-readings are accepted but not yet processed/);
    expect(publisher.sent.length).toBe(published);
    expect(await metric('meridian_pipeline_backlog_records')).toBe(8);
    expect(await metric('meridian_ingest_backlog_refusals_total')).toBe(1);

    // Another stream has no consumer to wait for.
    const events = await served.call('POST', '/v1/ingest/events', [
      { type: 'signup', user_email: 'a@example.com', ts: '2024-03-01T10:00:00Z' },
    ]);
    expect(events.status).toBe(202);

    clock.advance(1000);
    consumer.consume(8);
    await backpressure.refresh();
    const again = await served.call('POST', '/v1/ingest/sensor-readings', readings(3));
    expect(again.status).toBe(202);
    expect(await metric('meridian_pipeline_processed_records_total')).toBe(8);
  });

  it('when the consumer stays unreachable, then batches wait for BACKLOG_FAIL_OPEN_MS and are then taken without a bound', async () => {
    consumer.down = true;
    await backpressure.refresh();
    expect(await metric('meridian_pipeline_backlog_source_up')).toBe(0);
    const before = (await served.call('POST', '/v1/ingest/sensor-readings', readings(10))).status;
    clock.advance(30_000);
    const after = (await served.call('POST', '/v1/ingest/sensor-readings', readings(10))).status;
    expect([before, after]).toEqual([429, 202]);
    expect(await metric('meridian_pipeline_backlog_failing_open')).toBe(1);
  });
});
