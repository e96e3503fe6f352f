import { afterAll, describe, expect, it } from 'vitest';
import { Topics, deadLetterTopic } from '@meridian/contracts';
import { appTopics, ensureJetStreamStreams, jetStreamUrl, streamName } from './jetstream-streams.ts';
import { connectNats } from './nats-requester.ts';

// Against the machine's NATS server (JetStream on :4222, the jetstream component's natsURL).
describe('ensureJetStreamStreams', () => {
  const topic = `meridian-test.streams-${process.pid}-${Date.now()}`;
  afterAll(async () => {
    const nats = await connectNats({ url: jetStreamUrl(), name: 'meridian-test' });
    await nats.request(`$JS.API.STREAM.DELETE.${streamName(topic)}`, {});
    nats.close();
  });

  it('when a topic has no stream, then one is made that covers it; a second call makes none', async () => {
    expect(await ensureJetStreamStreams({ topics: [topic] })).toEqual([topic]);
    const nats = await connectNats({ url: jetStreamUrl(), name: 'meridian-test' });
    const found = (await nats.request('$JS.API.STREAM.NAMES', { subject: topic })) as { streams: string[] | null };
    nats.close();
    expect(found.streams).toEqual([streamName(topic)]);
    expect(await ensureJetStreamStreams({ topics: [topic] })).toEqual([]);
  });

  it('when the platform asks, then every contract topic and each ingestion stream with its dead letters is listed', () => {
    expect(appTopics()).toEqual(
      expect.arrayContaining([
        Topics.predictions,
        Topics.labels,
        'sensor-readings',
        deadLetterTopic('sensor-readings'),
      ]),
    );
  });

  it('when NATS cannot be reached, then the error names the address', async () => {
    await expect(ensureJetStreamStreams({ topics: [topic], url: 'nats://127.0.0.1:1' })).rejects.toThrow(
      /nats:\/\/127\.0\.0\.1:1/,
    );
  });
});
