import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DaprClient, createLogger } from '@meridian/service-kit';
import { SidecarPublisher } from './sidecar-publisher.ts';
import { StateSeenKeys } from './state-seen-keys.ts';

createLogger({ name: 'test', level: 'silent' });

type Handler = (body: any, req: IncomingMessage) => { status: number; body?: unknown } | 'hang';

/** daprd's HTTP API on a loopback port: each test routes `METHOD /path` to what daprd would answer. */
let routes: Record<string, Handler> = {};
const seen: string[] = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const route = `${req.method} ${req.url}`;
    seen.push(route);
    const answer = routes[route]?.(chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined, req) ?? {
      status: 404,
    };
    if (answer === 'hang') return;
    res
      .writeHead(answer.status, { 'content-type': 'application/json' })
      .end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const dapr = new DaprClient({ httpPort: (server.address() as { port: number }).port, apiToken: 't', timeoutMs: 200 });
afterAll(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  routes = {};
  seen.length = 0;
});

const events = [
  { entryId: '0', data: { a: 1 } },
  { entryId: '1', data: { a: 2 } },
];

describe('SidecarPublisher on DaprClient', () => {
  it('when a bulk publish answer lists failed entries, then exactly those count as not published', async () => {
    routes['POST /v1.0-alpha1/publish/bulk/pubsub/t'] = (body) => ({
      status: 500,
      body: { failedEntries: [{ entryId: body[1].entryId, error: 'nope' }] },
    });
    const publisher = new SidecarPublisher({ dapr, pubsub: 'pubsub', mode: 'bulk', concurrency: 4 });
    expect(await publisher.publish({ topic: 't', events })).toEqual(new Set(['1']));
  });

  it('when events carry a partition key, then the bulk entry and the single publish hand it to the broker as partitionKey', async () => {
    const keyed = [
      { entryId: '0', data: { a: 1 }, partitionKey: '7' },
      { entryId: '1', data: { a: 2 } },
    ];
    let entries: unknown;
    routes['POST /v1.0-alpha1/publish/bulk/pubsub/t'] = (body) => {
      entries = body;
      return { status: 204 };
    };
    routes['POST /v1.0/publish/pubsub/t?metadata.partitionKey=7'] = () => ({ status: 204 });
    routes['POST /v1.0/publish/pubsub/t'] = () => ({ status: 204 });
    const bulk = new SidecarPublisher({ dapr, pubsub: 'pubsub', mode: 'bulk', concurrency: 4 });
    expect(await bulk.publish({ topic: 't', events: keyed })).toEqual(new Set());
    expect(entries).toEqual([
      { entryId: '0', event: { a: 1 }, contentType: 'application/json', metadata: { partitionKey: '7' } },
      { entryId: '1', event: { a: 2 }, contentType: 'application/json' },
    ]);
    const single = new SidecarPublisher({ dapr, pubsub: 'pubsub', mode: 'single', concurrency: 4 });
    expect(await single.publish({ topic: 't', events: keyed })).toEqual(new Set());
    expect(seen.filter((r) => r.startsWith('POST /v1.0/publish/')).sort()).toEqual([
      'POST /v1.0/publish/pubsub/t',
      'POST /v1.0/publish/pubsub/t?metadata.partitionKey=7',
    ]);
  });

  it("when single publishes carry events of one key, then they go one after another, and after a refused one the key's later events wait for the retry", async () => {
    const keyed = [
      { entryId: '0', data: { a: 0 }, partitionKey: '7' },
      { entryId: '1', data: { a: 1 }, partitionKey: '8' },
      { entryId: '2', data: { a: 2 }, partitionKey: '7' },
      { entryId: '3', data: { a: 3 }, partitionKey: '7' },
    ];
    const order: number[] = [];
    const take = (body: { a: number }) => {
      order.push(body.a);
      return body.a === 2 ? { status: 500, body: { message: 'broker said no' } } : { status: 204 };
    };
    routes['POST /v1.0/publish/pubsub/t?metadata.partitionKey=7'] = take;
    routes['POST /v1.0/publish/pubsub/t?metadata.partitionKey=8'] = () => ({ status: 204 });
    const single = new SidecarPublisher({ dapr, pubsub: 'pubsub', mode: 'single', concurrency: 4 });
    expect(await single.publish({ topic: 't', events: keyed })).toEqual(new Set(['2', '3']));
    // Event 3 is never sent: were the key's events sent side by side, it would have gone with 2.
    expect(order).toEqual([0, 2]);
  });

  it('when a bulk publish fails without saying which entries, then none counts as published', async () => {
    routes['POST /v1.0-alpha1/publish/bulk/pubsub/t'] = () => ({
      status: 500,
      body: { errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE' },
    });
    const publisher = new SidecarPublisher({ dapr, pubsub: 'pubsub', mode: 'bulk', concurrency: 4 });
    expect(await publisher.publish({ topic: 't', events })).toEqual(new Set(['0', '1']));
  });

  it('when single publishes are refused or stall past the deadline, then those count as not published and the rest as published', async () => {
    routes['POST /v1.0/publish/pubsub/t'] = (body) => (body.a === 1 ? 'hang' : { status: 204 });
    const publisher = new SidecarPublisher({ dapr, pubsub: 'pubsub', mode: 'single', concurrency: 4 });
    expect(await publisher.publish({ topic: 't', events })).toEqual(new Set(['0']));
  });
});

describe('StateSeenKeys on DaprClient', () => {
  const marks = () => new StateSeenKeys({ dapr, store: 'statestore', ttlSeconds: 60, concurrency: 4 });

  it('when the store fails to read one mark, then the check fails with 503 instead of taking the record for new', async () => {
    routes['POST /v1.0/state/statestore/bulk'] = (body) => ({
      status: 200,
      body: body.keys.map((key: string, i: number) => (i ? { key, error: 'timeout' } : { key, data: { token: 'x' } })),
    });
    await expect(marks().seen({ stream: 's', keys: ['a', 'b'] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('when a chunk of marks is refused on Redis, then each key is retried on its own and only the keys this call marked count as won', async () => {
    routes['GET /v1.0/metadata'] = () => ({
      status: 200,
      body: { components: [{ name: 'statestore', type: 'state.redis' }] },
    });
    const taken = `seen:s:${createHash('sha256').update('b').digest('hex')}`;
    const stored = new Map<string, unknown>([[taken, { token: 'another batch' }]]);
    const transactions: { operation: string; request: { key: string; etag?: string } }[][] = [];
    routes['POST /v1.0/state/statestore/transaction'] = (body) => {
      transactions.push(body.operations);
      return { status: 500, body: { message: 'failed to set key' } };
    };
    const saves: { key: string; etag?: string }[] = [];
    routes['POST /v1.0/state/statestore'] = (items: { key: string; value: unknown; etag?: string }[]) => {
      saves.push(...items);
      if (stored.has(items[0]!.key)) return { status: 409, body: { message: 'possible etag mismatch' } };
      stored.set(items[0]!.key, items[0]!.value);
      return { status: 204 };
    };
    routes[`GET /v1.0/state/statestore/${encodeURIComponent(taken)}`] = () => ({
      status: 200,
      body: stored.get(taken),
    });
    expect(await marks().mark({ stream: 's', keys: ['a', 'b'] })).toEqual(new Set(['a']));
    // Redis's first-write alone would overwrite a mark written in a transaction: the key-by-key saves carry the ETag too.
    expect(saves.map((i) => i.etag)).toEqual(['-1', '-1']);
    // One MULTI for the chunk, each mark with an ETag no Redis version has: insert-only in Redis's set script.
    expect(transactions).toHaveLength(1);
    expect(transactions[0]!.map((op) => [op.operation, op.request.etag])).toEqual([
      ['upsert', '-1'],
      ['upsert', '-1'],
    ]);
  });

  it('when the sidecar does not say what the store is, then the marks go through the save API with first-write', async () => {
    routes['GET /v1.0/metadata'] = () => ({ status: 404 }); // the metadata API is not allowed
    const saved: { key: string; etag?: string; options?: { concurrency?: string } }[] = [];
    routes['POST /v1.0/state/statestore'] = (items: typeof saved) => {
      saved.push(...items);
      return { status: 204 };
    };
    expect(await marks().mark({ stream: 's', keys: ['a', 'b'] })).toEqual(new Set(['a', 'b']));
    expect(saved.map((i) => [i.etag, i.options?.concurrency])).toEqual([
      [undefined, 'first-write'],
      [undefined, 'first-write'],
    ]);
    expect(seen).not.toContain('POST /v1.0/state/statestore/transaction');
  });

  it('when reading the store type fails otherwise, then the batch fails with 503 and no mark is written; the next batch asks again', async () => {
    routes['GET /v1.0/metadata'] = () => 'hang';
    const saved: unknown[] = [];
    routes['POST /v1.0/state/statestore'] = (items: unknown[]) => {
      saved.push(...items);
      return { status: 204 };
    };
    routes['POST /v1.0/state/statestore/transaction'] = (body) => {
      saved.push(...body.operations);
      return { status: 204 };
    };
    const m = marks();
    await expect(m.mark({ stream: 's', keys: ['a'] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(saved).toEqual([]);
    routes['GET /v1.0/metadata'] = () => ({
      status: 200,
      body: { components: [{ name: 'statestore', type: 'state.redis' }] },
    });
    expect(await m.mark({ stream: 's', keys: ['a'] })).toEqual(new Set(['a']));
    expect(saved).toMatchObject([{ operation: 'upsert', request: { etag: '-1' } }]);
  });
});
