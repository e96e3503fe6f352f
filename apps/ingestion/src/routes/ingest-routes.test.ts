import { afterAll, describe, expect, it } from 'vitest';
import { IngestResult } from '@meridian/contracts';
import { createLogger } from '@meridian/service-kit';
import { serveIngestion } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
// No backlog bound here; backpressure-routes.test.ts has one.
const { served } = await serveIngestion({ maxBacklog: 0, now: () => Date.parse('2024-03-01T10:00:00Z') });
afterAll(() => served.close());

async function ingest(stream: string, body: unknown): Promise<{ status: number; json: IngestResult }> {
  const res = await served.send('POST', `/v1/ingest/${stream}`, body);
  return { status: res.status, json: IngestResult.parse(await res.json()) };
}

describe('POST /v1/ingest/:stream', () => {
  it('when every mote_id of a batch is a string, then the 202 says which records were rejected, on which field and why', async () => {
    const batch = Array.from({ length: 600 }, (_, i) => ({
      mote_id: `mote-${i}`,
      humidity: 40,
      temperature: 20,
      ts: 1709287200000 + i,
    }));
    const { status, json } = await ingest('sensor-readings', batch);
    expect(status).toBe(202);
    expect(json).toMatchObject({ accepted: 0, rejected: 600, duplicates: 0 });
    expect(json.rejections).toHaveLength(20);
    expect(json.rejections[0]).toEqual({
      index: 0,
      field: 'mote_id',
      reason: expect.stringMatching(/expected number, received string/),
    });
    expect(json.rejections.map((r) => r.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('when a batch is valid, then the answer lists no rejections', async () => {
    const { status, json } = await ingest('sensor-readings', [{ mote_id: 1, humidity: 40, temperature: 20, ts: 1 }]);
    expect([status, json]).toEqual([202, { accepted: 1, rejected: 0, duplicates: 0, rejections: [] }]);
  });

  it('when a rejected record of a stream with PII names an address, then the answer does not repeat it', async () => {
    const { json } = await ingest('events', [
      {
        type: 'signup',
        user_email: 'not an email',
        ts: '2024-03-01T10:00:00Z',
        properties: { 'ada@example.com': [1] },
      },
    ]);
    expect(json.rejected).toBe(1);
    expect(json.rejections.map((r) => r.field)).toEqual(expect.arrayContaining(['user_email']));
    expect(JSON.stringify(json)).not.toMatch(/ada@example|not an email/);
  });
});
