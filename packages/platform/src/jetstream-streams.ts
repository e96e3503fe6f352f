import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Topics } from '@meridian/contracts';
import { connectNats } from './nats-requester.ts';
import { repoPath } from './paths.ts';

/** Every topic an app publishes or subscribes to: the contracts' one table of them. */
export function appTopics(): string[] {
  return [...new Set<string>(Object.values(Topics))];
}

/** The NATS server the jetstream component points daprd at (its natsURL), so the two cannot differ. */
export function jetStreamUrl(): string {
  const doc = parse(readFileSync(repoPath('components', 'pubsub', 'jetstream', 'pubsub.yaml'), 'utf8')) as {
    spec: { metadata: { name: string; value?: string }[] };
  };
  const url = doc.spec.metadata.find((m) => m.name === 'natsURL')?.value;
  if (!url) throw new Error('components/pubsub/jetstream/pubsub.yaml has no natsURL value');
  return url;
}

/** A stream name for a topic: JetStream allows no dots or wildcards in names. */
export const streamName = (topic: string) => topic.replace(/[^A-Za-z0-9_-]/g, '_');

interface ApiAnswer {
  error?: { code: number; err_code?: number; description: string };
}

// 10058: a stream of that name exists with another configuration; 10065: another stream already covers the subject.
// Either way the subject is in a stream, which is all Dapr needs.
const ALREADY_COVERED = new Set([10058, 10065]);

/**
 * Creates one stream per topic unless it exists (Dapr's jetstream component
 * creates none, and its durable consumer per app allows one subscribed topic
 * per stream). Idempotent, and safe when two platforms do it at once.
 * Messages are kept on file for a day, so a shared server does not grow forever.
 * Returns the topics whose stream this call created.
 */
export async function ensureJetStreamStreams(o: { topics: string[]; url?: string }): Promise<string[]> {
  const url = o.url ?? jetStreamUrl();
  const nats = await connectNats({ url, name: 'meridian-platform' });
  const created: string[] = [];
  try {
    for (const topic of o.topics) {
      const name = streamName(topic);
      const info = (await nats.request(`$JS.API.STREAM.INFO.${name}`, {})) as ApiAnswer;
      if (!info.error) continue;
      const answer = (await nats.request(`$JS.API.STREAM.CREATE.${name}`, {
        name,
        subjects: [topic],
        storage: 'file',
        retention: 'limits',
        max_age: 24 * 3600 * 1e9,
        num_replicas: 1,
      })) as ApiAnswer;
      if (!answer.error) created.push(topic);
      else if (!ALREADY_COVERED.has(answer.error.err_code ?? 0))
        throw new Error(`jetstream ${url}: creating stream ${name} for ${topic}: ${answer.error.description}`);
    }
  } finally {
    nats.close();
  }
  return created;
}
