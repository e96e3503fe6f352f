import { describe, expect, it } from 'vitest';
import { postBatches, retryAfterMs } from './ingest-poster.ts';

const accepted = (n: number, rejected = 0) =>
  new Response(JSON.stringify({ accepted: n, rejected, duplicates: 0 }), { status: 202 });
const refused = (retryAfter: string | null) =>
  new Response('{"status":429}', { status: 429, headers: retryAfter === null ? {} : { 'retry-after': retryAfter } });

describe('postBatches', () => {
  it('when ingestion refuses a batch with 429, then the same batch is sent again after Retry-After and the refusal is counted', async () => {
    const bodies: string[] = [];
    const answers = [refused('3'), refused(null), accepted(2), accepted(1, 1)];
    const waits: number[] = [];
    const outcome = await postBatches({
      records: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }],
      batch: 2,
      concurrency: 1,
      post: async (body) => {
        bodies.push(body);
        return answers.shift()!;
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(bodies.map((b) => (JSON.parse(b) as { id: string }[]).map((r) => r.id).join(''))).toEqual([
      'ab',
      'ab',
      'ab',
      'cd',
    ]);
    expect(waits).toEqual([3000, 1000]);
    expect(outcome).toEqual({ accepted: 3, rejected: 1, refused_batches: 2, retry_after_s: 4, unavailable_batches: 0 });
  });

  it('when ingestion answers 503, then the same batch is sent again and the answer is counted', async () => {
    const bodies: string[] = [];
    const answers = [new Response('{"status":503}', { status: 503 }), accepted(1)];
    const outcome = await postBatches({
      records: [{ id: 'a' }],
      batch: 1,
      concurrency: 1,
      post: async (body) => {
        bodies.push(body);
        return answers.shift()!;
      },
      sleep: async () => undefined,
    });
    expect(bodies).toHaveLength(2);
    expect(outcome).toMatchObject({ accepted: 1, unavailable_batches: 1, refused_batches: 0 });
  });

  it('when ingestion answers an error other than 429 or 503, then posting fails with its status', async () => {
    await expect(
      postBatches({
        records: [{ id: 'a' }],
        batch: 1,
        concurrency: 1,
        post: async () => new Response('bad', { status: 400 }),
        sleep: async () => undefined,
      }),
    ).rejects.toThrow('ingestion answered 400');
  });

  it('when several posters run, then every record is sent in exactly one accepted batch', async () => {
    const seen: string[] = [];
    const records = Array.from({ length: 25 }, (_, i) => ({ id: `r${i}` }));
    const outcome = await postBatches({
      records,
      batch: 4,
      concurrency: 3,
      post: async (body) => {
        const batch = JSON.parse(body) as { id: string }[];
        seen.push(...batch.map((r) => r.id));
        return accepted(batch.length);
      },
    });
    expect(seen.sort()).toEqual(records.map((r) => r.id).sort());
    expect(outcome.accepted).toBe(25);
  });
});

describe('retryAfterMs', () => {
  it('when the header is seconds, then it is that many milliseconds; otherwise one second', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs(null)).toBe(1000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(1000);
  });
});
