import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type ManagedProcess } from '@meridian/platform';
import { BareSubscriber } from '../tools/bench/bare-subscriber.ts';
import { clientSidecar, redisPubsubComponent } from './helpers/client-sidecar.ts';

// A bulk publish through a real daprd onto Redis Streams, read back from the stream itself, and a
// bulk delivery from the stream to an app behind the same daprd. Our Dapr build keeps each JSON
// entry as its text on the way into its cloud event (tools/dapr/build/patch-bulk-publish-raw-events.mjs,
// patch-cloudevent-json-data.mjs), decodes metadata overrides only when there are some
// (patch-cloudevent-overrides.mjs), and delivers each event as the text it came as
// (patch-bulk-delivery-raw-events.mjs): the envelope must carry the same values as before,
// numbers exactly as published, and a `cloudevent.*` override must still apply.
const run = `publish-${Date.now().toString(36)}`;
const dataDir = join(tmpdir(), `meridian-${run}`);
const topic = `meridian-publish-test-${run}`;
/** The topic the app behind the sidecar takes in bulk. */
const delivered = `meridian-delivery-test-${run}`;

/** The app behind the sidecar: one bulk subscription on `delivered`, every entry answered SUCCESS. */
const appToken = randomBytes(24).toString('base64url');
const subscriber = new BareSubscriber({
  pubsub: 'pubsub',
  topic: delivered,
  appToken,
  bulk: { maxMessagesCount: 10, maxAwaitDurationMs: 50 },
});
/** What the app was delivered: each request's body as text. */
const deliveries: string[] = [];
subscriber.on('delivery', (text: string) => deliveries.push(text));
let app: Server | undefined;

const redis = (...args: string[]) => promisify(execFile)('redis-cli', ['-h', '127.0.0.1', '-p', '6379', ...args]);

let sidecar: { url: string; process: ManagedProcess } | undefined;
beforeAll(async () => {
  const resources = redisPubsubComponent(join(dataDir, 'components'));
  app = createServer(subscriber.listener);
  await new Promise<void>((resolve) => app!.listen(0, '127.0.0.1', resolve));
  sidecar = await clientSidecar(run, dataDir, {
    resources: [resources],
    app: { port: (app.address() as AddressInfo).port, token: appToken },
  });
});
afterAll(async () => {
  await sidecar?.process.stop();
  app?.close();
  await redis('DEL', topic, delivered);
});

/** The cloud events on the stream, as the text the broker holds (each entry also holds its metadata, as JSON). */
async function storedEvents(): Promise<string[]> {
  const { stdout } = await redis('--raw', 'XRANGE', topic, '-', '+');
  return stdout.split('\n').filter((line) => line.startsWith('{') && line.includes('"specversion"'));
}

describe('bulk publish through daprd', () => {
  it('when entries are JSON, text and JSON with an override, then each cloud event carries its data as published, big integers exact, and the override applied', async () => {
    // Written by hand: 12345678901234567891 has no exact JavaScript number.
    const body = `[
      {"entryId":"1","event":{"z":1,"big":12345678901234567891,"tenth":0.1},"contentType":"application/json"},
      {"entryId":"2","event":"plain words","contentType":"text/plain"},
      {"entryId":"3","event":{"nested":{"list":[1,2,3]}},"contentType":"application/json","metadata":{"cloudevent.subject":"s-3"}}
    ]`;
    const res = await fetch(`${sidecar!.url}/v1.0-alpha1/publish/bulk/pubsub/${topic}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status, await res.text()).toBe(204);
    const stored = await storedEvents();
    expect(stored, stored.join('\n')).toHaveLength(3);
    const events = stored.map((text) => ({ text, event: JSON.parse(text) as Record<string, unknown> }));
    const json = events.find((e) => (e.event.data as { z?: number })?.z === 1)!;
    expect(json.text).toContain('"big":12345678901234567891');
    expect(json.event).toMatchObject({ data: { tenth: 0.1 }, datacontenttype: 'application/json', topic });
    expect(events.find((e) => e.event.data === 'plain words')?.event.datacontenttype).toBe('text/plain');
    expect(events.find((e) => e.event.subject === 's-3')?.event.data).toEqual({ nested: { list: [1, 2, 3] } });
  });
});

describe('bulk delivery through daprd', () => {
  it('when a JSON event is delivered in bulk, then the app gets the cloud event as published: big integers exact, the envelope and trace context kept', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${sidecar!.url}/v1.0/publish/pubsub/${delivered}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      // Written by hand: 12345678901234567891 has no exact JavaScript number.
      body: '{"z":1,"big":12345678901234567891,"tenth":0.1,"text":"a<b & c"}',
    });
    expect(res.status, await res.text()).toBe(204);
    await waitFor({ what: 'the bulk delivery', timeoutMs: 30_000, check: async () => deliveries.length > 0 });
    const text = deliveries.join('\n');
    expect(text).toContain('"big":12345678901234567891');
    const body = JSON.parse(deliveries[0]!) as {
      topic: string;
      pubsubname: string;
      entries: { entryId: string; contentType: string; event: Record<string, unknown> }[];
    };
    expect(body).toMatchObject({ topic: delivered, pubsubname: 'pubsub' });
    expect(body.entries).toHaveLength(1);
    const [entry] = body.entries;
    expect(entry!.contentType).toBe('application/cloudevents+json');
    expect(entry!.event).toMatchObject({
      specversion: '1.0',
      type: 'com.dapr.event.sent',
      source: run,
      topic: delivered,
      pubsubname: 'pubsub',
      datacontenttype: 'application/json',
      data: { z: 1, tenth: 0.1, text: 'a<b & c' },
    });
    expect(entry!.event.traceparent).toContain(traceId);
    expect(typeof entry!.event.id).toBe('string');
  });

  it('when the broker holds an event as another publisher wrote it, then the app gets that text, not the text encoded again', async () => {
    // Spaces, '<' and '&' as written: encoding the event again would compact it and write '\u003c' and '\u0026'.
    const event = `{"specversion": "1.0", "id": "raw-${run}", "source": "another-publisher", "type": "com.example.raw", "datacontenttype": "application/json", "data": {"text": "a<b & c", "n": 2}}`;
    await redis('XADD', delivered, '*', 'data', event);
    await waitFor({
      what: 'the delivery of the event written to the broker',
      timeoutMs: 30_000,
      check: async () => deliveries.some((d) => d.includes(`raw-${run}`)),
    });
    const text = deliveries.find((d) => d.includes(`raw-${run}`))!;
    expect(text).toContain(event);
    const body = JSON.parse(text) as { entries: { event: { data: unknown } }[] };
    expect(body.entries.map((e) => e.event.data)).toContainEqual({ text: 'a<b & c', n: 2 });
  });
});
