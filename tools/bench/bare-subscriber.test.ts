import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BareSubscriber, FEATURES_BULK, WARMUP_PREFIX } from './bare-subscriber.ts';

const TOKEN = 'app-token';

/** One request through the listener, without a socket. */
function call(
  sub: BareSubscriber,
  o: { method: string; url: string; token?: string; body?: unknown },
): Promise<{ status: number; body: unknown }> {
  const req = Object.assign(new EventEmitter(), {
    method: o.method,
    url: o.url,
    headers: { 'dapr-api-token': o.token ?? TOKEN },
  });
  return new Promise((resolve) => {
    const res = {
      statusCode: 200,
      setHeader: () => undefined,
      end(text: string) {
        resolve({ status: this.statusCode, body: JSON.parse(text) as unknown });
      },
    };
    sub.listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    if (o.body !== undefined) req.emit('data', Buffer.from(JSON.stringify(o.body)));
    req.emit('end');
  });
}

/** A bulk entry whose event carries records with these keys, as ingestion publishes them. */
const entry = (entryId: string, ...keys: string[]) => ({
  entryId,
  event: {
    specversion: '1.0',
    id: `ce-${entryId}`,
    data: {
      stream: 'bench-bare',
      received_at: '2026-12-01T10:00:00Z',
      records: keys.map((key) => ({ key, record: { id: key, humidity: 40 } })),
    },
  },
});

describe('BareSubscriber', () => {
  it('when daprd asks for subscriptions, then it gets one bulk subscription on the topic with the features app settings', async () => {
    const sub = new BareSubscriber({ pubsub: 'pubsub', topic: 'bench-bare-x', appToken: TOKEN });
    const { status, body } = await call(sub, { method: 'GET', url: '/dapr/subscribe' });
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        pubsubname: 'pubsub',
        topic: 'bench-bare-x',
        route: '/events/bare',
        bulkSubscribe: { enabled: true, ...FEATURES_BULK },
      },
    ]);
  });

  it('when a bulk delivery comes, then every entry is answered SUCCESS and each record in its events counts once', async () => {
    const sub = new BareSubscriber({ pubsub: 'pubsub', topic: 't', appToken: TOKEN });
    let deliveries = 0;
    sub.on('delivery', () => deliveries++);
    const first = await call(sub, {
      method: 'POST',
      url: '/events/bare',
      body: { entries: [entry('0', 'a'), entry('1', 'b')] },
    });
    expect(first.body).toEqual({
      statuses: [
        { entryId: '0', status: 'SUCCESS' },
        { entryId: '1', status: 'SUCCESS' },
      ],
    });
    await call(sub, {
      method: 'POST',
      url: '/events/bare',
      body: { entries: [entry('0', 'b', 'd', 'e'), entry('1', 'c')] },
    });
    expect(sub.delivered).toBe(5);
    expect(sub.entries).toBe(4);
    expect(deliveries).toBe(2);
  });

  it('when a warm-up message comes, then the subscriber is warmed up and the message is not counted', async () => {
    const sub = new BareSubscriber({ pubsub: 'pubsub', topic: 't', appToken: TOKEN });
    expect(sub.warmedUp).toBe(false);
    await call(sub, { method: 'POST', url: '/events/bare', body: { entries: [entry('0', `${WARMUP_PREFIX}0`)] } });
    expect(sub.warmedUp).toBe(true);
    expect(sub.delivered).toBe(0);
  });

  it('when the data arrives as a JSON string, then its records are still read', async () => {
    const sub = new BareSubscriber({ pubsub: 'pubsub', topic: 't', appToken: TOKEN });
    const event = JSON.stringify({ ...entry('0', 'z').event, data: JSON.stringify(entry('0', 'z').event.data) });
    await call(sub, { method: 'POST', url: '/events/bare', body: { entries: [{ entryId: '0', event }] } });
    expect(sub.delivered).toBe(1);
  });

  it('when a request lacks the app token, then it is refused and nothing is counted', async () => {
    const sub = new BareSubscriber({ pubsub: 'pubsub', topic: 't', appToken: TOKEN });
    const res = await call(sub, {
      method: 'POST',
      url: '/events/bare',
      token: 'wrong',
      body: { entries: [entry('0', 'a')] },
    });
    expect(res.status).toBe(401);
    expect(sub.delivered).toBe(0);
  });
});
