import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@meridian/service-kit';
import { FakeEventSources, ManualTimers, alertOf, runOf } from '../testing/fakes.ts';
import { EventHub, type StreamClient, type StreamMessage } from './event-hub.ts';

createLogger({ name: 'test', level: 'silent' });
const READ = ['predict', 'admin'];
const POLL = 1000;
const BEAT = 15_000;

let sources: FakeEventSources;
let timers: ManualTimers;
let hub: EventHub;
beforeEach(() => {
  sources = new FakeEventSources();
  timers = new ManualTimers();
  hub = new EventHub({
    sources,
    audience: { alert: READ, predictions: READ, run: ['admin'] },
    maxStreams: 3,
    maxStreamsPerSubject: 2,
    pollMs: POLL,
    heartbeatMs: BEAT,
    later: timers.later,
  });
});

/** A client that keeps what it is sent. */
function client(roles: string[], subject = 'ann'): StreamClient & { got: StreamMessage[]; closed: boolean } {
  return {
    subject,
    roles,
    got: [],
    closed: false,
    send(message) {
      this.got.push(message);
    },
    close() {
      this.closed = true;
    },
  };
}
const join = (c: StreamClient) => {
  const joined = hub.join(c);
  if ('refused' in joined) throw new Error(`refused: ${joined.refused}`);
  return joined;
};
const events = (c: { got: StreamMessage[] }, type?: string) =>
  c.got.filter((m) => 'event' in m && (!type || m.event === type)).map((m) => ('event' in m ? m.data : undefined));

describe('the event hub', () => {
  it('when several clients are open, then one poll reads each source once and every client gets what changed', async () => {
    const [a, b] = [client(['predict']), client(['predict'], 'bob')];
    join(a);
    join(b);
    sources.counts = { total: 3, models: { spam: 3 } };
    await timers.fire(POLL);
    expect(sources.calls).toEqual({ alerts: 1, predictions: 1, runs: 0 });
    expect(events(a)).toEqual([{ total: 3, per_model: { spam: 3 } }]);
    expect(events(b)).toEqual(events(a));
    await timers.fire(POLL);
    expect(events(a)).toHaveLength(1);
    sources.counts = { total: 4, models: { spam: 4 } };
    await timers.fire(POLL);
    expect(events(b, 'predictions')).toEqual([
      { total: 3, per_model: { spam: 3 } },
      { total: 4, per_model: { spam: 4 } },
    ]);
  });

  it('when an alert appears, then it is sent once; alerts that existed before the stream are not', async () => {
    const a = client(READ);
    join(a);
    sources.alertList = [alertOf('old')];
    await timers.fire(POLL);
    sources.alertList = [alertOf('old'), alertOf('new')];
    await timers.fire(POLL);
    await timers.fire(POLL);
    sources.alertList = [alertOf('old')];
    await timers.fire(POLL);
    sources.alertList = [alertOf('old'), alertOf('new')];
    await timers.fire(POLL);
    expect(events(a, 'alert').map((x) => (x as { id: string }).id)).toEqual(['new']);
  });

  it('when runs change, then admins get each run whose state or steps changed, and a predict client gets none', async () => {
    const [admin, reader] = [client(['admin']), client(['predict'], 'bob')];
    join(admin);
    join(reader);
    sources.runList = [runOf('run-1', 'pending')];
    await timers.fire(POLL);
    await timers.fire(POLL);
    sources.runList = [runOf('run-2', 'pending'), runOf('run-1', 'running', [{ name: 'train', status: 'running' }])];
    await timers.fire(POLL);
    expect(events(admin, 'run').map((r) => [(r as { id: string }).id, (r as { status: string }).status])).toEqual([
      ['run-1', 'pending'],
      ['run-2', 'pending'],
      ['run-1', 'running'],
    ]);
    expect(events(reader, 'run')).toEqual([]);
  });

  it('when no open client may see runs, then the training app is not read', async () => {
    join(client(['predict']));
    await timers.fire(POLL);
    expect(sources.calls.runs).toBe(0);
  });

  it('when a client joins a running hub, then it gets the current counts and runs at once, not old alerts', async () => {
    join(client(['admin']));
    sources.counts = { total: 1, models: { m: 1 } };
    sources.runList = [runOf('run-1')];
    sources.alertList = [alertOf('a-1')];
    await timers.fire(POLL);
    const late = client(['admin'], 'bob');
    join(late);
    expect(late.got).toEqual([
      { event: 'predictions', data: { total: 1, per_model: { m: 1 } } },
      { event: 'run', data: runOf('run-1') },
    ]);
  });

  it('when the last client leaves, then the poller and the heartbeat stop; the next client starts them again', async () => {
    const a = join(client(READ));
    const b = join(client(READ, 'bob'));
    expect(timers.waiting.sort((x, y) => x - y)).toEqual([0, BEAT]);
    a.leave();
    expect(timers.waiting).toHaveLength(2);
    b.leave();
    expect(timers.waiting).toEqual([]);
    expect(hub.open).toBe(0);
    await timers.fire(BEAT);
    expect(sources.calls).toEqual({ alerts: 0, predictions: 0, runs: 0 });
    join(client(READ));
    await timers.fire(POLL);
    expect(sources.calls.predictions).toBe(1);
  });

  it('when a poll outlives the clients that wanted it, then its answer is dropped and no next poll is scheduled', async () => {
    const a = join(client(READ));
    const polling = timers.fire(0);
    a.leave();
    await polling;
    expect(timers.waiting).toEqual([]);
  });

  it('when 15 s pass, then every client gets a heartbeat comment', async () => {
    const [a, b] = [client(['predict']), client(['admin'], 'bob')];
    join(a);
    join(b);
    await timers.fire(BEAT);
    expect(a.got.filter((m) => 'comment' in m)).toEqual([{ comment: 'heartbeat' }]);
    expect(b.got.filter((m) => 'comment' in m)).toEqual([{ comment: 'heartbeat' }]);
    expect(timers.waiting).toContain(BEAT);
  });

  it('when a source fails, then the others still arrive and the stream stays open; it is read again at the next poll', async () => {
    const a = client(READ);
    join(a);
    sources.down.add('alerts');
    sources.counts = { total: 2, models: { m: 2 } };
    await timers.fire(POLL);
    expect(events(a, 'predictions')).toHaveLength(1);
    sources.down.clear();
    await timers.fire(POLL);
    expect(sources.calls.alerts).toBe(2);
    expect(a.closed).toBe(false);
  });

  it('when the streams or one subject are at their bound, then the next is refused with the limit', () => {
    join(client(READ, 'ann'));
    join(client(READ, 'ann'));
    expect(hub.join(client(READ, 'ann'))).toEqual({ refused: 'subject', limit: 2 });
    join(client(READ, 'bob'));
    expect(hub.join(client(READ, 'cid'))).toEqual({ refused: 'streams', limit: 3 });
    expect(hub.open).toBe(3);
  });

  it('when a client cannot be written to, then it alone is dropped; when the hub closes, every stream is ended', async () => {
    const broken = {
      ...client(READ),
      send: () => {
        throw new Error('socket gone');
      },
    };
    const fine = client(READ, 'bob');
    join(broken);
    join(fine);
    await timers.fire(BEAT);
    expect(hub.open).toBe(1);
    expect(broken.closed).toBe(true);
    hub.close();
    expect([fine.closed, hub.open, timers.waiting]).toEqual([true, 0, []]);
  });
});
