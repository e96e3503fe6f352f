import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoPath } from './paths.ts';
import { runConsumerFolders } from './run-consumers.ts';

const metadataOf = (folder: string, file: string) =>
  Object.fromEntries(
    (
      parse(readFileSync(join(folder, file), 'utf8')) as { spec: { metadata: { name: string; value?: string }[] } }
    ).spec.metadata.map((m) => [m.name, m.value]),
  );

describe('runConsumerFolders', () => {
  it('when a run copies its broker components, then every consumer name ends in the run id and a new JetStream durable starts at new messages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-consumers-'));
    const folders = ['redis', 'rabbitmq', 'kafka', 'jetstream', 'mqtt'].map((c) => repoPath('components', 'pubsub', c));
    const copies = runConsumerFolders({
      folders: [...folders, repoPath('components', 'bindings', 'mqtt'), repoPath('components', 'state', 'sqlite')],
      suffix: 'r1',
      dir,
    });
    expect(metadataOf(copies[0]!, 'pubsub.yaml').consumerID).toBe('{appID}-r1');
    expect(metadataOf(copies[1]!, 'pubsub.yaml').consumerID).toBe('{appID}-r1');
    expect(metadataOf(copies[2]!, 'pubsub.yaml')).toMatchObject({
      consumerGroup: '{appID}-r1',
      clientID: '{appID}-r1',
    });
    expect(metadataOf(copies[3]!, 'pubsub.yaml')).toMatchObject({ durableName: '{appID}-r1', deliverPolicy: 'new' });
    expect(metadataOf(copies[4]!, 'pubsub.yaml').consumerID).toBe('{appID}-r1');
    expect(metadataOf(copies[5]!, 'sensor-readings.yaml').consumerID).toBe('{appID}-r1');
    // A folder without consumers is used as it is, and the copies keep their scopes.
    expect(copies[6]).toBe(repoPath('components', 'state', 'sqlite'));
    expect(parse(readFileSync(join(copies[0]!, 'pubsub.yaml'), 'utf8')).scopes).toContain('monitor');
  });
});
