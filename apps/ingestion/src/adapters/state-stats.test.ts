import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DaprClient } from '@meridian/service-kit';
import { MemoryStateStore } from '@meridian/testkit';
import { StateStats } from './state-stats.ts';

const delta = { accepted: 2, rejected: 1, duplicates: 0, dead_lettered: 1 };

describe('StateStats', () => {
  it('when batches add their counts concurrently, then every batch is counted once', async () => {
    const stats = new StateStats({ dapr: new MemoryStateStore(), store: 'statestore', backoffMs: 0 });
    await Promise.all(
      Array.from({ length: 8 }, () => stats.add({ stream: 's', delta, at: '2024-03-01T10:00:00.000Z' })),
    );
    expect(await stats.get('s')).toEqual({
      stream: 's',
      accepted: 16,
      rejected: 8,
      duplicates: 0,
      dead_lettered: 8,
      batches: 8,
      updated_at: '2024-03-01T10:00:00.000Z',
    });
  });

  it('when the key stays contended past the attempts, then add fails with a 503 naming the key instead of dropping the counts', async () => {
    const state = new MemoryStateStore();
    state.conflicts = 1_000;
    const stats = new StateStats({ dapr: state, store: 'statestore', backoffMs: 0 });
    await expect(stats.add({ stream: 's', delta, at: '2024-03-01T10:00:00.000Z' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('stats:s'),
    });
  });
});

describe('StateStats through the sidecar client', () => {
  it('when two batches with the same counts at the same moment add them together, then both are counted', async () => {
    // daprd's state API over a store with ETags, on a loopback port. Reads are answered only once
    // both batches have read, so both write against the same ETag and one of them is refused:
    // then both new values are the same text, and the refused batch must still see that its own
    // write did not land (the store now holds an equal value that the other batch wrote).
    let stored: { value: unknown; etag: number } | undefined;
    const reads: (() => void)[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
        const answer = (status: number, json?: unknown) =>
          res
            .writeHead(status, { 'content-type': 'application/json' })
            .end(json === undefined ? '' : JSON.stringify(json));
        if (req.method === 'POST' && req.url === '/v1.0/state/statestore/bulk') {
          const read = () =>
            answer(200, [{ key: body.keys[0], ...(stored ? { data: stored.value, etag: `${stored.etag}` } : {}) }]);
          reads.push(read);
          if (reads.length === 2) for (const r of reads.splice(0)) r();
          else if (reads.length === 1 && stored) for (const r of reads.splice(0)) r();
          return;
        }
        if (req.method === 'POST' && req.url === '/v1.0/state/statestore') {
          const [item] = body as { value: unknown; etag?: string }[];
          if ((stored ? `${stored.etag}` : undefined) !== item!.etag)
            return answer(409, { errorCode: 'ERR_STATE_SAVE', message: 'possible etag mismatch' });
          stored = { value: item!.value, etag: (stored?.etag ?? 0) + 1 };
          return answer(204);
        }
        answer(404);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const dapr = new DaprClient({ httpPort: (server.address() as AddressInfo).port, apiToken: 't' });
      const stats = new StateStats({ dapr, store: 'statestore', backoffMs: 0 });
      const at = '2024-03-01T10:00:00.000Z';
      await Promise.all([stats.add({ stream: 's', delta, at }), stats.add({ stream: 's', delta, at })]);
      expect(stored?.value).toMatchObject({ accepted: 4, batches: 2 });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
