import { describe, expect, it } from 'vitest';
import {
  contextFromTraceparent,
  inTraceContext,
  startTelemetry,
  traceHeaders,
  type DaprClient,
} from '@meridian/service-kit';
import { waitFor } from '@meridian/platform';
import { MAX_PUBLISH_BATCH, SidecarPublisher } from './sidecar-publisher.ts';

startTelemetry({ serviceName: 'sidecar-publisher-test' });

type Bulk = Parameters<DaprClient['publishBulk']>[0];

/** The sidecar's pub/sub API: each call waits until the test answers it, and is recorded with the trace it went in. */
function sidecar() {
  const alone: { topic: string; data: unknown; traceparent?: string; answer(err?: Error): void }[] = [];
  const bulk: { o: Bulk; answer(failed?: string[], err?: Error): void }[] = [];
  const dapr = {
    publish: (o: { topic: string; data: unknown }) =>
      new Promise<void>((resolve, reject) => {
        const traceparent = traceHeaders().traceparent;
        alone.push({
          topic: o.topic,
          data: o.data,
          ...(traceparent ? { traceparent } : {}),
          answer: (err) => (err ? reject(err) : resolve()),
        });
      }),
    publishBulk: (o: Bulk) =>
      new Promise<Set<string>>((resolve, reject) =>
        bulk.push({ o, answer: (failed = [], err) => (err ? reject(err) : resolve(new Set(failed))) }),
      ),
  };
  return { dapr, alone, bulk };
}

const traceOf = (n: number) => `00-${String(n).padStart(32, 'a')}-00f067aa0ba902b7-01`;
const publishIn = (p: SidecarPublisher, n: number, topic = 'predictions') =>
  inTraceContext(contextFromTraceparent({ traceparent: traceOf(n) })!, () =>
    p.publish({ topic, data: { id: `e${n}` } }),
  );
const outcome = (p: Promise<void>) =>
  p.then(
    () => 'published',
    (err: Error) => err.message,
  );

describe('prediction events to the sidecar', () => {
  it('when an event is published with none out, then it goes alone at once, as JSON text, in the trace it was made in', async () => {
    const s = sidecar();
    const p = new SidecarPublisher({ dapr: s.dapr, pubsub: 'pubsub' });
    const done = publishIn(p, 1);
    expect(s.alone.map((c) => [c.topic, c.data, c.traceparent])).toEqual([['predictions', '{"id":"e1"}', traceOf(1)]]);
    s.alone[0]!.answer();
    await done;
    expect(p.counts()).toEqual({ predictions: { single: 1, batches: 0, batched: 0 } });
  });

  it('when events arrive while two publishes are out, then they leave together in one bulk publish, each entry with its own trace', async () => {
    const s = sidecar();
    const p = new SidecarPublisher({ dapr: s.dapr, pubsub: 'pubsub' });
    const first = [publishIn(p, 1), publishIn(p, 2)];
    const waiting = [publishIn(p, 3), publishIn(p, 4), publishIn(p, 5)];
    expect([s.alone.length, s.bulk.length]).toEqual([2, 0]);
    s.alone[0]!.answer();
    await first[0];
    await waitFor({ what: 'the bulk publish', timeoutMs: 5_000, check: async () => s.bulk.length === 1 });
    const sent = s.bulk[0]!.o;
    expect([sent.pubsub, sent.topic]).toEqual(['pubsub', 'predictions']);
    expect(
      sent.entries.map((e) => [
        e.entryId,
        'eventJson' in e ? JSON.parse(e.eventJson) : undefined,
        e.metadata?.['cloudevent.traceparent'],
      ]),
    ).toEqual([
      ['0', { id: 'e3' }, traceOf(3)],
      ['1', { id: 'e4' }, traceOf(4)],
      ['2', { id: 'e5' }, traceOf(5)],
    ]);
    // The broker refused the second entry: only that event fails.
    s.bulk[0]!.answer(['1']);
    expect(await Promise.all(waiting.map(outcome))).toEqual([
      'published',
      'the broker did not take the event (bulk publish to predictions)',
      'published',
    ]);
    s.alone[1]!.answer();
    await first[1];
    expect(p.counts()).toEqual({ predictions: { single: 2, batches: 1, batched: 3 } });
  });

  it('when a bulk publish fails as a whole, then each of its events fails, and the next events still go', async () => {
    const s = sidecar();
    const p = new SidecarPublisher({ dapr: s.dapr, pubsub: 'pubsub', inFlight: 1 });
    const first = publishIn(p, 1);
    const waiting = [publishIn(p, 2), publishIn(p, 3)];
    s.alone[0]!.answer();
    await first;
    await waitFor({ what: 'the bulk publish', timeoutMs: 5_000, check: async () => s.bulk.length === 1 });
    s.bulk[0]!.answer([], new Error('sidecar unavailable'));
    expect(await Promise.all(waiting.map(outcome))).toEqual(['sidecar unavailable', 'sidecar unavailable']);
    const next = publishIn(p, 4);
    expect(s.alone.map((c) => c.data)).toEqual(['{"id":"e1"}', '{"id":"e4"}']);
    s.alone[1]!.answer();
    expect(await outcome(next)).toBe('published');
  });

  it('when many events wait, then a bulk publish carries at most its limit, and topics do not wait for each other', async () => {
    const s = sidecar();
    const p = new SidecarPublisher({ dapr: s.dapr, pubsub: 'pubsub', inFlight: 1 });
    const first = publishIn(p, 0);
    const waiting = Array.from({ length: MAX_PUBLISH_BATCH + 1 }, (_, i) => publishIn(p, i + 1));
    const error = publishIn(p, 99, 'prediction-errors');
    expect(s.alone.map((c) => c.topic)).toEqual(['predictions', 'prediction-errors']);
    s.alone[0]!.answer();
    await first;
    await waitFor({ what: 'the first bulk publish', timeoutMs: 5_000, check: async () => s.bulk.length === 1 });
    expect(s.bulk[0]!.o.entries).toHaveLength(MAX_PUBLISH_BATCH);
    s.bulk[0]!.answer();
    // The one left over goes alone once the slot is free.
    await waitFor({ what: 'the last event', timeoutMs: 5_000, check: async () => s.alone.length === 3 });
    expect(s.alone[2]!.data).toBe(`{"id":"e${MAX_PUBLISH_BATCH + 1}"}`);
    s.alone[2]!.answer();
    s.alone[1]!.answer();
    await Promise.all([...waiting, error]);
  });

  it('when in-flight is 0, then every event goes alone, however many are out', async () => {
    const s = sidecar();
    const p = new SidecarPublisher({ dapr: s.dapr, pubsub: 'pubsub', inFlight: 0 });
    const all = [1, 2, 3, 4].map((n) => publishIn(p, n));
    expect([s.alone.length, s.bulk.length]).toEqual([4, 0]);
    for (const c of s.alone) c.answer();
    await Promise.all(all);
  });
});
