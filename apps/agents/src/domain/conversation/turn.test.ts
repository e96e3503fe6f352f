import { AppError } from '@meridian/service-kit';
import { describe, expect, it } from 'vitest';
import {
  askTools,
  FakeApprovalParking,
  FakeClock,
  FakeTenantLedger,
  FakeToolRunner,
  MemoryActorState,
  ScriptedModel,
  say,
} from '../../testing/fakes.ts';
import { PINNED_HEADING, SUMMARY_HEADING } from './context-window.ts';
import type { LlmAnswer } from './llm.ts';
import { SessionMemory, type SessionMeta, type StoredMessage } from './session-memory.ts';
import { SYSTEM_PROMPT, takeTurn } from './turn.ts';

const caller = { subject: 'alice', role: 'predict' as const };

function setup(o: { answers?: LlmAnswer[]; contextTokens?: number; maxIterations?: number; budget?: number } = {}) {
  const clock = new FakeClock();
  const state = new MemoryActorState(clock.now);
  const model = new ScriptedModel(o.answers ?? [], { name: 'scripted-llm', contextTokens: o.contextTokens ?? 100_000 });
  const deps = {
    memory: new SessionMemory({ state, ttlSeconds: 3600 }),
    model: async () => model,
    tools: new FakeToolRunner(),
    approvals: new FakeApprovalParking(),
    ledger: new FakeTenantLedger(),
    clock: clock.now,
    maxIterations: o.maxIterations ?? 4,
    sessionTokenBudget: o.budget ?? 1_000_000,
  };
  const turn = (content: string, messageId?: string) =>
    takeTurn(deps, { sessionId: 's1', sessionKey: 't1.s1', tenant: 't1', caller, content, messageId });
  const stored = (seq: number) => state.peek<StoredMessage>(`msg:${seq}`);
  return { clock, state, model, deps, turn, stored };
}

const call = (id: string, name: string, args: Record<string, unknown>) => ({ id, name, arguments: args });

describe('takeTurn', () => {
  it('when a plain message comes, then one model call answers it and the user and assistant messages are stored', async () => {
    const { model, state, turn, stored } = setup({
      answers: [say('All quiet.', { promptTokens: 12, completionTokens: 4 })],
    });
    const answer = await turn('Anything wrong?', 'c-1');
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]!.messages[0]).toEqual({ role: 'system', content: SYSTEM_PROMPT });
    expect(model.calls[0]!.messages.at(-1)).toMatchObject({ role: 'user', content: 'Anything wrong?' });
    expect(model.calls[0]!.tools.map((t) => t.name)).toContain('pin_fact');
    expect(answer).toMatchObject({
      session_id: 's1',
      message_id: 'c-1',
      reply: 'All quiet.',
      tool_calls: [],
      usage: { prompt_tokens: 12, completion_tokens: 4 },
      model: 'scripted-llm',
      iterations: 1,
      replayed: false,
      context: { turns: 1, summarised: 0, summarised_now: false },
    });
    expect(stored(1)).toMatchObject({ role: 'user', content: 'Anything wrong?', message_id: 'c-1' });
    expect(stored(2)).toMatchObject({ role: 'assistant', content: 'All quiet.' });
    expect(state.peek<SessionMeta>('meta')).toMatchObject({
      seq: 2,
      turns: 1,
      usage: { prompt_tokens: 12, completion_tokens: 4 },
    });
  });

  it('when a message id was already answered, then the stored answer comes back replayed, with no model call and no write', async () => {
    const { model, state, turn } = setup({ answers: [say('First answer.')] });
    const first = await turn('status?', 'c-1');
    const commits = state.commits.length;
    const again = await turn('status?', 'c-1');
    expect(again).toEqual({ ...first, replayed: true });
    expect(model.calls).toHaveLength(1);
    expect(state.commits).toHaveLength(commits);
  });

  it('when the model asks for a tool, then the runner runs it and the second model call sees its answer', async () => {
    const { model, deps, turn, stored } = setup({
      answers: [
        askTools([call('call-1', 'drift', { model: 'spam' })], { promptTokens: 20, completionTokens: 2 }),
        say('spam has drifted.', { promptTokens: 30, completionTokens: 6 }),
      ],
    });
    deps.tools.answer = () => ({ status: 200, body: { drifted: true } });
    const answer = await turn('Has spam drifted?');
    expect(deps.tools.calls).toEqual([{ app: 'monitor', method: 'GET', path: '/v1/monitor/models/spam/drift' }]);
    expect(answer.tool_calls).toEqual([
      { name: 'drift', arguments: { model: 'spam' }, status: 'ok', result: { drifted: true } },
    ]);
    const toolMessage = model.calls[1]!.messages.at(-1)!;
    expect(toolMessage).toMatchObject({ role: 'tool', toolCallId: 'call-1', name: 'drift' });
    expect(JSON.parse(toolMessage.content)).toEqual({ status: 'ok', result: { drifted: true } });
    expect(answer).toMatchObject({
      reply: 'spam has drifted.',
      iterations: 2,
      usage: { prompt_tokens: 50, completion_tokens: 8 },
    });
    expect([1, 2, 3, 4].map((seq) => stored(seq)?.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(deps.ledger.charges).toEqual([{ tenant: 't1', usage: { prompt_tokens: 50, completion_tokens: 8 } }]);
  });

  it('when the model asks for a mutating tool, then the call is parked for approval and never run', async () => {
    const { deps, turn } = setup({
      answers: [askTools([call('call-1', 'rollback', { model: 'spam' })]), say('Parked the rollback.')],
    });
    const answer = await turn('Roll back spam');
    expect(deps.tools.calls).toEqual([]);
    expect(deps.approvals.parked).toEqual([
      { sessionId: 't1.s1', tool: 'rollback', arguments: { model: 'spam' }, requestedBy: 'alice' },
    ]);
    expect(answer.tool_calls[0]).toMatchObject({ name: 'rollback', status: 'pending_approval', approval_id: 'ap-1' });
  });

  it('when the model pins a fact, then the pinned layer holds it, is persisted, and the next call is shown it', async () => {
    const { model, state, turn } = setup({
      answers: [askTools([call('call-1', 'pin_fact', { fact: '  spam v3 is the baseline ' })]), say('Noted.')],
    });
    const answer = await turn('Remember that spam v3 is the baseline');
    expect(answer.tool_calls[0]).toMatchObject({ status: 'ok', result: { pinned: 'spam v3 is the baseline' } });
    expect(state.peek('pinned')).toEqual(['spam v3 is the baseline']);
    expect(model.calls[1]!.messages).toContainEqual({
      role: 'system',
      content: `${PINNED_HEADING}\n- spam v3 is the baseline`,
    });
  });

  it.each([
    [
      'its arguments are not a JSON object',
      { ...call('c', 'drift', {}), invalidArguments: '{model: spam' },
      /not a JSON/,
    ],
    ['it names no known tool', call('c', 'delete_everything', {}), /no tool "delete_everything"/],
    ['its arguments fail the tool schema', call('c', 'drift', { model: 42 }), /^drift: /],
    ['a mutating tool has bad arguments', call('c', 'rollback', {}), /^rollback: /],
  ])(
    'when a tool call is refused because %s, then it answers error and nothing runs or parks',
    async (_why, bad, reason) => {
      const { model, deps, turn } = setup({ answers: [askTools([bad]), say('Sorry.')] });
      const answer = await turn('do it');
      expect(answer.tool_calls).toHaveLength(1);
      expect(answer.tool_calls[0]!.status).toBe('error');
      expect(String(answer.tool_calls[0]!.result)).toMatch(reason);
      expect(deps.tools.calls).toEqual([]);
      expect(deps.approvals.parked).toEqual([]);
      expect(model.calls[1]!.messages.at(-1)).toMatchObject({ role: 'tool', toolCallId: 'c' });
    },
  );

  it('when the model asks for tools forever, then the turn stops at maxIterations with the "stopped after" reply', async () => {
    const { model, deps, turn, state } = setup({ maxIterations: 3 });
    let n = 0;
    model.fallback = () => askTools([call(`call-${++n}`, 'alerts', {})]);
    const answer = await turn('loop please');
    expect(model.calls).toHaveLength(3);
    expect(deps.tools.calls).toHaveLength(3);
    expect(answer.iterations).toBe(3);
    expect(answer.tool_calls).toHaveLength(3);
    expect(answer.reply).toMatch(/^I stopped after 3 model calls without a final answer/);
    expect(state.peek<SessionMeta>('meta')?.seq).toBe(1 + 3 * 2 + 1);
  });

  it('when the session has spent its token budget, then TOO_MANY_REQUESTS comes before any model call', async () => {
    const { model, deps, turn } = setup({
      answers: [say('one', { promptTokens: 10, completionTokens: 5 })],
      budget: 15,
    });
    await turn('first');
    const err = await turn('second').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('TOO_MANY_REQUESTS');
    expect(model.calls).toHaveLength(1);
    expect(deps.ledger.checks).toEqual(['t1']);
  });

  it("when the tenant's ledger refuses, then its 429 propagates and nothing is written", async () => {
    const { model, deps, state, turn } = setup({ answers: [say('never')] });
    deps.ledger.spent.add('t1');
    const err = await turn('hello', 'c-1').catch((e: unknown) => e);
    expect((err as AppError).code).toBe('TOO_MANY_REQUESTS');
    expect(model.calls).toEqual([]);
    expect(state.commits).toEqual([]);
    expect(deps.ledger.charges).toEqual([]);
  });

  it('when the history outgrows the context budget, then the oldest turn is summarised and the summary persisted', async () => {
    const long = (tag: string) => `${tag} ${'x'.repeat(400)}`;
    const { model, state, deps, turn } = setup({
      contextTokens: 1,
      answers: [say(long('a1')), say(long('a2')), say(long('a3')), say(long('a4'))],
    });
    expect((await turn(long('u1'))).context.summarised_now).toBe(false);
    expect((await turn(long('u2'))).context.summarised_now).toBe(false);
    expect(model.summaries).toEqual([]);

    const third = await turn(long('u3'));
    expect(model.summaries).toHaveLength(1);
    expect(model.summaries[0]!.previous).toBeUndefined();
    expect(model.summaries[0]!.messages.map((m) => m.content.slice(0, 2))).toEqual(['u1', 'a1']);
    expect(third.context).toMatchObject({ summarised_now: true, summarised: 2, budget_tokens: 64, turns: 3 });
    const summary = state.peek<string>('summary');
    expect(summary).toMatch(/^user: u1/);
    expect(state.peek<SessionMeta>('meta')?.summarised_upto).toBe(2);
    const shown = model.calls[2]!.messages;
    expect(shown).toContainEqual({ role: 'system', content: `${SUMMARY_HEADING}\n${summary}` });
    expect(shown.filter((m) => m.role !== 'system').map((m) => m.content.slice(0, 2))).toEqual(['u2', 'a2', 'u3']);
    const summaryUsage = ScriptedModel.SUMMARY_USAGE;
    expect(third.usage).toEqual({
      prompt_tokens: 10 + summaryUsage.promptTokens,
      completion_tokens: 5 + summaryUsage.completionTokens,
    });
    expect(deps.ledger.charges.at(-1)!.usage).toEqual(third.usage);

    await turn(long('u4'));
    expect(model.summaries[1]!.previous).toBe(summary);
    expect(state.peek<SessionMeta>('meta')?.summarised_upto).toBe(4);
  });

  it('when the commit fails, then the error propagates, nothing is charged and the next turn re-reads the state', async () => {
    const { deps, state, turn } = setup({ answers: [say('lost'), say('kept')] });
    state.failNextCommit = new Error('sidecar went away');
    await expect(turn('hello')).rejects.toThrow('sidecar went away');
    expect(state.keys()).toEqual([]);
    expect(deps.ledger.charges).toEqual([]);
    state.reads.length = 0;
    await turn('hello again');
    expect(state.reads).toEqual(expect.arrayContaining(['meta', 'summary', 'pinned']));
    expect(state.peek<SessionMeta>('meta')).toMatchObject({ seq: 2, turns: 1 });
  });
});
