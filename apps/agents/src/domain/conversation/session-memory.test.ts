import type { AgentTurnAnswer } from '@meridian/contracts';
import type { ActorStateOperation } from '@meridian/service-kit';
import { describe, expect, it } from 'vitest';
import { FakeClock, MemoryActorState } from '../../testing/fakes.ts';
import { type LoadedSession, SessionMemory, type SessionMeta, type StoredMessage } from './session-memory.ts';

const TTL = 60;

function setup() {
  const clock = new FakeClock();
  const state = new MemoryActorState(clock.now);
  const memory = new SessionMemory({ state, ttlSeconds: TTL });
  return { clock, state, memory };
}

const answerOf = (messageId: string): AgentTurnAnswer => ({
  session_id: 's1',
  message_id: messageId,
  reply: 'ok',
  tool_calls: [],
  usage: { prompt_tokens: 1, completion_tokens: 1 },
  model: 'scripted',
  context: { turns: 1, summarised: 0, summarised_now: false, budget_tokens: 100 },
  iterations: 1,
  replayed: false,
});

/** One user message and its reply, committed as takeTurn would. */
async function writeTurn(
  memory: SessionMemory,
  o: { at: string; user: string; reply: string; clientId?: string; summary?: string; pin?: string },
): Promise<void> {
  const session = await memory.load({ sessionId: 's1', tenant: 't1', at: o.at });
  const meta: SessionMeta = { ...session.meta, usage: { ...session.meta.usage } };
  const added: StoredMessage[] = [];
  for (const [role, content] of [
    ['user', o.user],
    ['assistant', o.reply],
  ] as const) {
    meta.seq += 1;
    const id = role === 'user' && o.clientId ? o.clientId : `m-${meta.seq}`;
    added.push({ role, content, seq: meta.seq, message_id: id, at: o.at });
  }
  meta.turns += 1;
  const next: LoadedSession = {
    meta,
    summary: o.summary ?? session.summary,
    pinned: o.pin ? [...session.pinned, o.pin] : session.pinned,
    window: [...session.window, ...added],
  };
  await memory.commit({
    session: next,
    added,
    answer: answerOf(added[0]!.message_id),
    clientMessageId: o.clientId,
    summaryChanged: o.summary !== undefined,
    pinnedChanged: o.pin !== undefined,
  });
}

const written = (ops: ActorStateOperation[]) =>
  ops.map((op) => [op.operation, op.request.key, 'metadata' in op.request ? op.request.metadata : undefined]);

describe('SessionMemory', () => {
  it('when a turn is committed, then each message is its own key with a TTL, beside meta, summary, pinned and client keys', async () => {
    const { clock, state, memory } = setup();
    const at = clock.now().toISOString();
    await writeTurn(memory, { at, user: 'hi', reply: 'hello', clientId: 'c-1', summary: 'so far', pin: 'a fact' });
    const ttl = { ttlInSeconds: String(TTL) };
    expect(state.commits).toHaveLength(1);
    expect(written(state.commits[0]!)).toEqual([
      ['upsert', 'msg:1', ttl],
      ['upsert', 'msg:2', ttl],
      ['upsert', 'meta', undefined],
      ['upsert', 'summary', undefined],
      ['upsert', 'pinned', undefined],
      ['upsert', 'client:c-1', ttl],
    ]);
    expect(state.peek('client:c-1')).toMatchObject({ message_id: 'c-1' });
    expect(await memory.answerOf('c-1')).toMatchObject({ message_id: 'c-1', reply: 'ok' });

    await writeTurn(memory, { at, user: 'again', reply: 'sure' });
    expect(written(state.commits[1]!)).toEqual([
      ['upsert', 'msg:3', ttl],
      ['upsert', 'msg:4', ttl],
      ['upsert', 'meta', undefined],
    ]);
  });

  it('when viewed, then messages come in order, and a message past its TTL is left out', async () => {
    const { clock, state, memory } = setup();
    await writeTurn(memory, { at: clock.now().toISOString(), user: 'old question', reply: 'old answer', pin: 'f' });
    clock.advance(40);
    const later = clock.now().toISOString();
    await writeTurn(memory, { at: later, user: 'new question', reply: 'new answer', summary: 'sum' });

    const both = await memory.view('s1');
    expect(both?.messages.map((m) => m.content)).toEqual(['old question', 'old answer', 'new question', 'new answer']);
    expect(both).toMatchObject({ session_id: 's1', summary: 'sum', pinned: ['f'], usage: { prompt_tokens: 0 } });

    clock.advance(30);
    const view = await memory.view('s1');
    expect(view?.messages).toEqual([
      { message_id: 'm-3', role: 'user', content: 'new question', at: later },
      { message_id: 'm-4', role: 'assistant', content: 'new answer', at: later },
    ]);
    expect(state.keys()).not.toContain('msg:1');
  });

  it('when a session never existed, then view answers undefined and purge answers false without writing', async () => {
    const { state, memory } = setup();
    expect(await memory.view('nobody')).toBeUndefined();
    expect(await memory.purge()).toBe(false);
    expect(state.commits).toEqual([]);
  });

  it('when purged, then every key the session wrote is gone, client keys included', async () => {
    const { clock, state, memory } = setup();
    const at = clock.now().toISOString();
    await writeTurn(memory, { at, user: 'one', reply: 'r1', clientId: 'c-1', summary: 's', pin: 'p' });
    await writeTurn(memory, { at, user: 'two', reply: 'r2', clientId: 'c-2' });
    expect(state.keys()).toContain('client:c-2');
    expect(await memory.purge()).toBe(true);
    expect(state.keys()).toEqual([]);
    expect(await memory.view('s1')).toBeUndefined();
  });

  it('when a long session is purged, then the deletes go in batches of at most 500 and leave nothing', async () => {
    const { clock, state, memory } = setup();
    const at = clock.now().toISOString();
    for (let seq = 1; seq <= 300; seq++) {
      state.seed(`msg:${seq}`, { role: 'user', content: `q${seq}`, seq, message_id: `c-${seq}`, at });
      state.seed(`client:c-${seq}`, answerOf(`c-${seq}`));
    }
    state.seed('meta', { session_id: 's1', tenant: 't1', created_at: at, seq: 300, summarised_upto: 0, turns: 300 });
    expect(await memory.purge()).toBe(true);
    expect(state.commits.map((ops) => ops.length)).toEqual([500, 103]);
    expect(state.keys()).toEqual([]);
  });

  it('when nothing else wrote since the last commit, then load reads only the head record', async () => {
    const { clock, state, memory } = setup();
    const at = clock.now().toISOString();
    await writeTurn(memory, { at, user: 'hi', reply: 'hello' });
    state.reads.length = 0;
    const session = await memory.load({ sessionId: 's1', tenant: 't1', at });
    expect(state.reads).toEqual(['meta']);
    expect(session.window.map((m) => m.content)).toEqual(['hi', 'hello']);
  });

  it('when another writer moved the head on, then load reads the state again and sees its messages', async () => {
    const { clock, state, memory } = setup();
    const at = clock.now().toISOString();
    await writeTurn(memory, { at, user: 'hi', reply: 'hello' });
    const meta = state.peek<SessionMeta>('meta')!;
    state.seed('msg:3', { role: 'user', content: 'from elsewhere', seq: 3, message_id: 'm-3', at });
    state.seed('meta', { ...meta, seq: 3 });
    state.reads.length = 0;
    const session = await memory.load({ sessionId: 's1', tenant: 't1', at });
    expect(state.reads).toEqual(expect.arrayContaining(['meta', 'summary', 'pinned', 'msg:1', 'msg:3']));
    expect(session.window.map((m) => m.content)).toEqual(['hi', 'hello', 'from elsewhere']);
    expect(session.meta.seq).toBe(3);
  });

  it('when the session was folded into a summary, then load keeps only the messages after it in the window', async () => {
    const { clock, state, memory } = setup();
    const at = clock.now().toISOString();
    await writeTurn(memory, { at, user: 'one', reply: 'r1' });
    await writeTurn(memory, { at, user: 'two', reply: 'r2', summary: 'user asked one' });
    state.seed('meta', { ...state.peek<SessionMeta>('meta')!, summarised_upto: 2, turns: 3 });
    const session = await memory.load({ sessionId: 's1', tenant: 't1', at });
    expect(session.summary).toBe('user asked one');
    expect(session.window.map((m) => m.seq)).toEqual([3, 4]);
  });
});
