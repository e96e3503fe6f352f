import { createServer } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import {
  contextFromTraceparent,
  DaprClient as SidecarClient,
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
const publishIn = (p: SidecarPublisher, n: number, topic = 'predictions', extra: { required?: boolean } = {}) =>
  inTraceContext(contextFromTraceparent({ traceparent: traceOf(n), tracestate: `v=${n}` })!, () =>
    p.publish({ topic, data: { id: `e${n}` }, ...extra }),
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
    expect(p.counts()).toEqual({ predictions: { single: 1, batches: 0, batched: 0, abandoned: 0, queued: 0 } });
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
    expect(sent.entries.map((e) => e.metadata?.['cloudevent.tracestate'])).toEqual(['v=3', 'v=4', 'v=5']);
    // The broker refused the second entry: only that event fails.
    s.bulk[0]!.answer(['1']);
    expect(await Promise.all(waiting.map(outcome))).toEqual([
      'published',
      'the broker did not take the event (bulk publish to predictions)',
      'published',
    ]);
    s.alone[1]!.answer();
    await first[1];
    expect(p.counts()).toEqual({ predictions: { single: 2, batches: 1, batched: 3, abandoned: 0, queued: 0 } });
  });

  it('when lingering, then events that could go at once wait for company, and a flush sends them and waits for the answer', async () => {
    const s = sidecar();
    const p = new SidecarPublisher({ dapr: s.dapr, pubsub: 'pubsub', lingerMs: 60_000 });
    const events = [publishIn(p, 1), publishIn(p, 2), publishIn(p, 3, 'prediction-errors')];
    expect([s.alone.length, s.bulk.length]).toEqual([0, 0]);
    expect(p.counts()).toMatchObject({ predictions: { queued: 2 }, 'prediction-errors': { queued: 1 } });
    let flushed: boolean | undefined;
    const flush = p.flush(60_000).then((all) => {
      flushed = all;
    });
    expect(s.bulk.map((b) => b.o.entries.map((e) => ('eventJson' in e ? e.eventJson : '')))).toEqual([
      ['{"id":"e1"}', '{"id":"e2"}'],
    ]);
    expect(s.alone.map((c) => c.data)).toEqual(['{"id":"e3"}']);
    s.bulk[0]!.answer();
    expect(await Promise.all(events.slice(0, 2).map(outcome))).toEqual(['published', 'published']);
    expect(flushed).toBeUndefined();
    s.alone[0]!.answer();
    await flush;
    expect(flushed).toBe(true);
    expect(await outcome(events[2]!)).toBe('published');
  });

  it('when the sidecar does not answer, then a flush gives up after its bound and says so', async () => {
    const s = sidecar();
    const p = new SidecarPublisher({ dapr: s.dapr, pubsub: 'pubsub', lingerMs: 60_000 });
    void publishIn(p, 1);
    expect(await p.flush(10)).toBe(false);
    expect(s.alone.map((c) => c.data)).toEqual(['{"id":"e1"}']);
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

  it('when a required event comes while others wait, then it goes alone at once, ahead of them', async () => {
    const s = sidecar();
    const p = new SidecarPublisher({ dapr: s.dapr, pubsub: 'pubsub', inFlight: 1 });
    const first = publishIn(p, 1);
    const waiting = publishIn(p, 2);
    const required = publishIn(p, 3, 'predictions', { required: true });
    expect(s.alone.map((c) => [c.data, c.traceparent])).toEqual([
      ['{"id":"e1"}', traceOf(1)],
      ['{"id":"e3"}', traceOf(3)],
    ]);
    s.alone[1]!.answer();
    await required;
    expect(p.counts().predictions).toMatchObject({ queued: 1 });
    s.alone[0]!.answer();
    await first;
    await waitFor({ what: 'the waiting event', timeoutMs: 5_000, check: async () => s.alone.length === 3 });
    s.alone[2]!.answer();
    await waiting;
  });

  it('when too many events wait for the sidecar, then the next one is dropped with the reason, and an event with no JSON form is refused', async () => {
    const s = sidecar();
    const p = new SidecarPublisher({ dapr: s.dapr, pubsub: 'pubsub', inFlight: 1, maxWaiting: 100 });
    const first = publishIn(p, 0);
    const waiting = Array.from({ length: 100 }, (_, i) => publishIn(p, i + 1));
    expect(await outcome(publishIn(p, -1))).toBe(
      '100 events on predictions are waiting for the sidecar; this one is dropped',
    );
    expect(await outcome(p.publish({ topic: 'predictions', data: undefined }))).toBe(
      'an event on predictions has no JSON form',
    );
    s.alone[0]!.answer();
    await first;
    for (let sent = 0; sent < 100; ) {
      await waitFor({ what: 'a bulk publish', timeoutMs: 5_000, check: async () => s.bulk.length > 0 });
      const next = s.bulk.shift()!;
      sent += next.o.entries.length;
      next.answer();
    }
    expect((await Promise.all(waiting.map(outcome))).every((o) => o === 'published')).toBe(true);
  });
});

describe('prediction events through a real DaprClient', () => {
  const bodies: unknown[] = [];
  let answer: (() => void) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/v1.0-alpha1/publish/bulk/pubsub/predictions') bodies.push(JSON.parse(body));
      // The first (lone) publish is held until the test lets it go, so that the others wait and leave together.
      if (req.url === '/v1.0/publish/pubsub/predictions') answer = () => res.writeHead(204).end();
      else res.writeHead(204).end();
    });
  });
  const listening = new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('when events leave in one bulk publish, then its body is the JSON daprd reads: each event as it is, with its own trace', async () => {
    const dapr = new SidecarClient({ httpPort: await listening, apiToken: 'token' });
    const p = new SidecarPublisher({ dapr, pubsub: 'pubsub', inFlight: 1 });
    const first = publishIn(p, 1);
    const data = { id: 'q"u\\ote', rows: 2, inputs: { x: [1.5, -2] }, text: 'é' };
    const waiting = [
      inTraceContext(contextFromTraceparent({ traceparent: traceOf(2) })!, () =>
        p.publish({ topic: 'predictions', data }),
      ),
      publishIn(p, 3),
    ];
    await waitFor({
      what: 'the lone publish at the sidecar, two events waiting',
      timeoutMs: 5_000,
      check: async () => answer !== undefined && p.counts().predictions?.queued === 2,
    });
    answer!();
    await Promise.all([first, ...waiting]);
    expect(bodies).toEqual([
      [
        {
          entryId: '0',
          contentType: 'application/json',
          metadata: { 'cloudevent.traceparent': traceOf(2), 'cloudevent.tracestate': '' },
          event: data,
        },
        {
          entryId: '1',
          contentType: 'application/json',
          metadata: { 'cloudevent.traceparent': traceOf(3), 'cloudevent.tracestate': 'v=3' },
          event: { id: 'e3' },
        },
      ],
    ]);
  });
});
