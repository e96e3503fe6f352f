import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '@meridian/platform';
import { clientSidecar } from './helpers/client-sidecar.ts';

// A bulk publish through a real daprd onto Redis Streams, read back from the stream itself.
// Our Dapr build keeps each JSON entry as its text on the way into its cloud event
// (tools/dapr/build/patch-bulk-publish-raw-events.mjs, patch-cloudevent-json-data.mjs) and
// decodes metadata overrides only when there are some (patch-cloudevent-overrides.mjs): the
// envelope must carry the same values as before, numbers exactly as published, and a
// `cloudevent.*` override must still apply.
const run = `publish-${Date.now().toString(36)}`;
const dataDir = join(tmpdir(), `meridian-${run}`);
const topic = `meridian-publish-test-${run}`;
const redis = (...args: string[]) => promisify(execFile)('redis-cli', ['-h', '127.0.0.1', '-p', '6379', ...args]);

let sidecar: { url: string; process: ManagedProcess } | undefined;
beforeAll(async () => {
  const resources = join(dataDir, 'components');
  mkdirSync(resources, { recursive: true });
  writeFileSync(
    join(resources, 'pubsub.yaml'),
    [
      'apiVersion: dapr.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: pubsub',
      'spec:',
      '  type: pubsub.redis',
      '  version: v1',
      '  metadata:',
      '    - name: redisHost',
      '      value: "localhost:6379"',
      '',
    ].join('\n'),
  );
  sidecar = await clientSidecar(run, dataDir, { resources: [resources] });
});
afterAll(async () => {
  await sidecar?.process.stop();
  await redis('DEL', topic);
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
