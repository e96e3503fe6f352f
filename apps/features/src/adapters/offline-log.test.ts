import { describe, expect, it } from 'vitest';
import { fakeSidecar, sidecarAnswer, type FakeBindingCall } from '@meridian/testkit';
import { ArtifactsBinding } from '@meridian/service-kit';
import { OfflineLog } from './offline-log.ts';

const notFound = () =>
  sidecarAnswer({
    status: 500,
    body: { errorCode: 'ERR_INVOKE_OUTPUT_BINDING', message: 'no such file or directory' },
  });

/** bindings.localstorage in memory: lists absolute paths under its root folder. */
function localStorage(o: { failGets?: boolean } = {}) {
  const files = new Map<string, Buffer>();
  const sidecar = fakeSidecar({
    invokeBinding(call: FakeBindingCall) {
      const name = call.metadata?.fileName ?? '';
      if (call.operation === 'create') {
        files.set(name, Buffer.from(String(call.data), 'base64'));
        return sidecarAnswer({ status: 200 });
      }
      if (call.operation === 'get')
        return o.failGets
          ? sidecarAnswer({
              status: 500,
              body: { errorCode: 'ERR_INVOKE_OUTPUT_BINDING', message: 'permission denied' },
            })
          : files.has(name)
            ? sidecarAnswer({ body: files.get(name)! })
            : notFound();
      const listed = [...files.keys()].filter((f) => f.startsWith(name)).map((f) => `/var/artifacts/${f}`);
      return listed.length ? sidecarAnswer({ body: listed }) : notFound();
    },
  });
  return {
    files,
    sidecar,
    log: new OfflineLog({
      artifacts: new ArtifactsBinding({ dapr: sidecar, binding: 'artifacts' }),
      names: ['humidity'],
    }),
  };
}

const row = (entity: string, i: number, day = '2024-03-01') => ({
  row_key: `${entity}@1#${i}`,
  entity,
  record_key: `k${i}`,
  ts: i,
  received_at: Date.parse(`${day}T10:00:00Z`) + i,
  values: [40 + i],
});

describe('OfflineLog', () => {
  it('when batches are appended, then reads of a day range return each row once, ordered by entity and time', async () => {
    const { log, files } = localStorage();
    await log.append([row('b', 2), row('a', 1)]);
    await log.append([row('a', 1), row('a', 3)]);
    await log.append([row('a', 9, '2024-03-05')]);
    expect([...files.keys()].every((f) => f.startsWith('feature-log/sensor-readings/2024-03-0'))).toBe(true);
    const rows = await log.read({ from: '2024-03-01', to: '2024-03-02' });
    expect(rows.map((r) => r.row_key)).toEqual(['a@1#1', 'a@1#3', 'b@1#2']);
    expect(rows[0]!.names).toEqual(['humidity']);
    expect((await log.read({ from: '2024-03-01', to: '2024-03-09', entity: 'b' })).map((r) => r.row_key)).toEqual([
      'b@1#2',
    ]);
  });

  it('when a batch is written, then its file names the features once, on its first line; a file that named them on every row still reads', async () => {
    const { log, files } = localStorage();
    await log.append([row('a', 1), row('a', 2)]);
    const lines = [...files.values()][0]!
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ names: ['humidity'] });
    expect(lines.slice(1).map((l) => [l.row_key, 'names' in l])).toEqual([
      ['a@1#1', false],
      ['a@1#2', false],
    ]);
    // An earlier version's file: no header, names on each row.
    const earlier = [row('b', 1), row('b', 2)].map((r) => JSON.stringify({ ...r, names: ['temperature'] })).join('\n');
    files.set('feature-log/sensor-readings/2024-03-01/1-earlier.jsonl', Buffer.from(`${earlier}\n`));
    const rows = await log.read({ from: '2024-03-01', to: '2024-03-01' });
    expect(rows.map((r) => [r.row_key, r.names])).toEqual([
      ['a@1#1', ['humidity']],
      ['a@1#2', ['humidity']],
      ['b@1#1', ['temperature']],
      ['b@1#2', ['temperature']],
    ]);
  });

  it('when nothing was ever scored, then the log reads as empty, not as an error', async () => {
    expect(await localStorage().log.read({ from: '2024-03-01', to: '2024-03-01' })).toEqual([]);
  });

  it('when an object cannot be read, then it is left out of the read as before', async () => {
    const { log } = localStorage({ failGets: true });
    await log.append([row('a', 1)]);
    expect(await log.read({ from: '2024-03-01', to: '2024-03-01' })).toEqual([]);
  });
});
