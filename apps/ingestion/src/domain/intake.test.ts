import { describe, expect, it } from 'vitest';
import {
  DeadLetterEvent,
  IngestedRecordsEvent,
  MAX_EVENT_RECORD_BYTES,
  MAX_RECORDS_PER_EVENT,
} from '@meridian/contracts';
import { MemoryPublisher, MemorySeenKeys, MemoryStats } from '../testing/fakes.ts';
import { intake } from './intake.ts';
import { MASK } from './mask.ts';
import { recordKey } from './record-key.ts';
import { STREAMS } from './streams.ts';

const readings = STREAMS['sensor-readings']!;
const reading = (i: number) => ({ mote_id: i, humidity: 40 + (i % 50), temperature: 20, ts: 1709287200000 + i });

/** The records the stream's events carried, in the order published. */
const recordsOf = (sent: MemoryPublisher['sent']) =>
  sent.filter((s) => !s.topic.endsWith('.dead-letter')).flatMap((s) => (s.data as IngestedRecordsEvent).records);

function setup() {
  const deps = {
    publisher: new MemoryPublisher(),
    seenKeys: new MemorySeenKeys(),
    stats: new MemoryStats(),
    clock: () => new Date('2024-03-01T10:00:00Z'),
    maxRecords: 10_000,
  };
  const run = (body: unknown, spec = readings) => intake(deps, { spec, body, nonObjects: 'refuse-batch' });
  return { deps, run };
}

describe('intake', () => {
  it('when a mixed batch arrives, then valid records are published, invalid ones dead-lettered with index and reason', async () => {
    const { deps, run } = setup();
    const outcome = await run([reading(1), { ...reading(2), humidity: 101 }, reading(3)]);
    expect(outcome).toMatchObject({ accepted: 2, rejected: 1, duplicates: 0, unpublished: 0 });
    expect(deps.publisher.sent.map((s) => s.topic)).toEqual([
      'sensor-readings',
      'sensor-readings',
      'sensor-readings.dead-letter',
    ]);
    const dead = deps.publisher.sent[2]!.data as DeadLetterEvent;
    expect(dead).toMatchObject({
      stream: 'sensor-readings',
      index: 1,
      record: { humidity: 101 },
      received_at: '2024-03-01T10:00:00.000Z',
    });
    expect(dead.reason).toMatch(/^humidity: /);
    // What goes out is exactly what the contract's schemas take, with nothing they would strip.
    for (const s of deps.publisher.sent) {
      const schema = s.topic.endsWith('.dead-letter') ? DeadLetterEvent : IngestedRecordsEvent;
      expect(schema.parse(s.data)).toEqual(s.data);
    }
  });

  it('when a stream names a partition field, then each valid event is keyed by it and dead letters and other streams carry no key', async () => {
    const { deps, run } = setup();
    await run([reading(7), { ...reading(8), humidity: 101 }, reading(9)]);
    expect(deps.publisher.sent.map((s) => [s.topic, s.partitionKey])).toEqual([
      ['sensor-readings', '7'],
      ['sensor-readings', '9'],
      ['sensor-readings.dead-letter', undefined],
    ]);
    await run([{ type: 'signup', user_email: 'a@example.com', ts: 1 }], STREAMS.events!);
    expect(deps.publisher.sent.at(-1)).toMatchObject({ topic: 'events' });
    expect(deps.publisher.sent.at(-1)!.partitionKey).toBeUndefined();
  });

  it("when a batch holds several readings of each mote, then each mote's travel in one event, in the batch's order", async () => {
    const { deps, run } = setup();
    const at = (mote: number, i: number) => ({ ...reading(mote), ts: 1709287200000 + i });
    const batch = [at(1, 0), at(2, 1), at(1, 2), { ...at(3, 3), humidity: 101 }, at(2, 4), at(1, 5)];
    expect(await run(batch)).toMatchObject({ accepted: 5, rejected: 1 });
    expect(
      deps.publisher.sent.map((s) => [
        s.topic,
        s.partitionKey,
        s.topic.endsWith('.dead-letter') ? [] : (s.data as IngestedRecordsEvent).records.map((r) => r.record.ts),
      ]),
    ).toEqual([
      ['sensor-readings', '1', [1709287200000, 1709287200002, 1709287200005]],
      ['sensor-readings', '2', [1709287200001, 1709287200004]],
      ['sensor-readings.dead-letter', undefined, []],
    ]);
    expect((deps.publisher.sent[0]!.data as IngestedRecordsEvent).received_at).toBe('2024-03-01T10:00:00.000Z');
  });

  it('when a batch holds more records of one key than an event carries, then they go in events of at most the bound, in order', async () => {
    const { deps, run } = setup();
    const count = MAX_RECORDS_PER_EVENT * 2 + 7;
    const batch = Array.from({ length: count }, (_, i) => ({ ...reading(4), ts: 1709287200000 + i }));
    expect(await run(batch)).toMatchObject({ accepted: count });
    expect(deps.publisher.sent.map((s) => (s.data as IngestedRecordsEvent).records.length)).toEqual([
      MAX_RECORDS_PER_EVENT,
      MAX_RECORDS_PER_EVENT,
      7,
    ]);
    expect(recordsOf(deps.publisher.sent).map((r) => r.record.ts)).toEqual(batch.map((r) => r.ts));
  });

  it('when records are large, then an event carries about MAX_EVENT_RECORD_BYTES of them, and a larger record travels alone', async () => {
    const { deps, run } = setup();
    const signup = (i: number, bytes: number) => ({
      type: 'signup',
      user_email: `u${i}@example.com`,
      ts: '2024-03-01T10:00:00Z',
      properties: { note: 'x'.repeat(bytes) },
    });
    const batch = [
      ...Array.from({ length: 5 }, (_, i) => signup(i, 100_000)),
      signup(5, MAX_EVENT_RECORD_BYTES + 1),
      signup(6, 10),
    ];
    expect(await run(batch, STREAMS.events!)).toMatchObject({ accepted: 7 });
    const events = deps.publisher.sent.map((s) => s.data as IngestedRecordsEvent);
    expect(events.map((e) => e.records.length)).toEqual([2, 2, 1, 1, 1]);
    for (const e of events.filter((x) => x.records.length > 1))
      expect(JSON.stringify(e.records).length).toBeLessThan(MAX_EVENT_RECORD_BYTES + 1_000);
    expect(recordsOf(deps.publisher.sent).map((r) => r.key)).toEqual(batch.map((r) => recordKey(r)));
  });

  it('when the same batch is sent again, then every record is a duplicate and nothing is published twice', async () => {
    const { deps, run } = setup();
    const batch = [reading(1), { ...reading(2), humidity: -3 }, reading(3), reading(1)];
    expect(await run(batch)).toMatchObject({ accepted: 2, rejected: 1, duplicates: 1 });
    expect(await run(batch)).toMatchObject({ accepted: 0, rejected: 0, duplicates: 4 });
    expect(deps.publisher.sent).toHaveLength(3);
    expect(await deps.stats.get('sensor-readings')).toMatchObject({
      accepted: 2,
      rejected: 1,
      duplicates: 5,
      dead_lettered: 1,
      batches: 2,
    });
  });

  it('when two batches with the same records race, then each record is counted once', async () => {
    const { run } = setup();
    const batch = Array.from({ length: 20 }, (_, i) => reading(i));
    const [a, b] = await Promise.all([run(batch), run(batch)]);
    expect(a!.accepted + b!.accepted).toBe(20);
    expect(a!.duplicates + b!.duplicates).toBe(20);
  });

  it('when the broker fails part way, then only published records are marked, and the retry publishes exactly the rest', async () => {
    const { deps, run } = setup();
    const batch = Array.from({ length: 10 }, (_, i) => reading(i));
    deps.publisher.failAfter = 4;
    const first = await run(batch);
    expect(first).toMatchObject({ accepted: 4, unpublished: 6 });
    expect(deps.seenKeys.marks.size).toBe(4);
    deps.publisher.failAfter = undefined;
    expect(await run(batch)).toMatchObject({ accepted: 6, duplicates: 4, unpublished: 0 });
    const motes = recordsOf(deps.publisher.sent).map((r) => r.record.mote_id);
    expect(motes.sort((x, y) => Number(x) - Number(y))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('when the broker is down, then nothing is marked', async () => {
    const { deps, run } = setup();
    deps.publisher.down = true;
    expect(await run([reading(1), { bad: true }])).toMatchObject({ accepted: 0, rejected: 0, unpublished: 2 });
    expect(deps.seenKeys.marks.size).toBe(0);
  });

  it('when a stream has PII fields, then published and dead-lettered copies are masked', async () => {
    const { deps, run } = setup();
    const events = STREAMS.events!;
    const outcome = await run(
      [
        { type: 'signup', user_email: 'ada@example.com', ts: '2024-03-01T10:00:00Z' },
        { type: '', user_email: 'grace@example.com', ts: '2024-03-01T10:00:00Z' },
        { type: 'login', user_email: 'not an email', ts: '2024-03-01T10:00:00Z' },
      ],
      events,
    );
    expect(outcome).toMatchObject({ accepted: 1, rejected: 2 });
    const text = JSON.stringify(deps.publisher.sent);
    expect(text).not.toMatch(/ada@|grace@|not an email/);
    expect(recordsOf(deps.publisher.sent)[0]!.record.user_email).toBe(MASK);
    expect(JSON.stringify(outcome.rejections)).not.toMatch(/grace@|not an email/);
  });

  it('when PII is nested in a record, then the published event and the dead letter have it masked at every depth', async () => {
    const { deps, run } = setup();
    const events = STREAMS.events!;
    await run(
      [
        {
          type: 'signup',
          user_email: 'ada@example.com',
          ts: '2024-03-01T10:00:00Z',
          properties: { phone: '+44 20 7946 0958', note: 'or ada.l@example.org', plan: 'pro' },
        },
        {
          type: '',
          user_email: 'grace@example.com',
          ts: '2024-03-01T10:00:00Z',
          profile: {
            contacts: [{ user_email: 'g@example.com' }, { card: '4111 1111 1111 1111' }],
            bio: 'call 555-123-4567',
          },
        },
      ],
      events,
    );
    const [published, dead] = deps.publisher.sent.map((s) => s.data) as [IngestedRecordsEvent, DeadLetterEvent];
    expect(published.records.map((r) => r.record)).toEqual([
      {
        type: 'signup',
        user_email: MASK,
        ts: '2024-03-01T10:00:00Z',
        properties: { phone: MASK, note: 'or [email]', plan: 'pro' },
      },
    ]);
    expect(dead.record).toEqual({
      type: '',
      user_email: MASK,
      ts: '2024-03-01T10:00:00Z',
      profile: { contacts: [{ user_email: MASK }, { card: MASK }], bio: 'call [phone]' },
    });
    expect(JSON.stringify(deps.publisher.sent)).not.toMatch(/@example|7946|4111|555-123/);
  });

  it('when two records differ only in their PII, then each keeps its own key and neither is a duplicate', async () => {
    const { deps, run } = setup();
    const signup = (email: string) => ({ type: 'signup', user_email: email, ts: '2024-03-01T10:00:00Z' });
    expect(await run([signup('ada@example.com'), signup('grace@example.com')], STREAMS.events!)).toMatchObject({
      accepted: 2,
      duplicates: 0,
    });
    const keys = recordsOf(deps.publisher.sent).map((r) => r.key);
    expect(new Set(keys).size).toBe(2);
    expect(keys).toEqual([recordKey(signup('ada@example.com')), recordKey(signup('grace@example.com'))]);
    expect(await run([signup('ada@example.com')], STREAMS.events!)).toMatchObject({ accepted: 0, duplicates: 1 });
  });
});
