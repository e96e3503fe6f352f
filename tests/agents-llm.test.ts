import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentTurnAnswer } from '@meridian/contracts';
import { agentCaller } from './helpers/agents.ts';
import { usePlatform } from './helpers/platform.ts';
import { ScriptedOpenAi, type ScriptedReply } from './helpers/scripted-openai.ts';

// The agents app's language-model path through Dapr's real conversation.openai component,
// against a scripted OpenAI-compatible endpoint on loopback (no network, no real model).
const API_KEY = `sk-scripted-${randomUUID()}`;
const MAX_ITERATIONS = 3;

/** The component reads its endpoint and key from the local-file secret store (<dataDir>/secrets.json). */
function addSecrets(dataDir: string, secrets: Record<string, string>): void {
  const file = join(dataDir, 'secrets.json');
  const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  writeFileSync(file, JSON.stringify({ ...current, ...secrets }, null, 2), { mode: 0o600 });
}

/** Server-sent events as `{event, data}`, in the order they came. */
function parseEvents(text: string): { event: string; data: any }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      return { event: field('event') ?? '', data: JSON.parse(field('data') ?? 'null') };
    });
}

describe('agents on a real conversation.openai component', () => {
  const model = new ScriptedOpenAi({
    script: [{ text: 'unused', usage: { promptTokens: 1, completionTokens: 1 } }],
    apiKey: API_KEY,
  });
  const h = usePlatform('conversation=openai', {
    env: { MAX_ITERATIONS: String(MAX_ITERATIONS) },
    async prepare(repository) {
      await model.start();
      addSecrets(dirname(repository), { 'openai-endpoint': model.url, 'openai-api-key': API_KEY });
    },
  });
  afterAll(() => model.close());
  const run = randomUUID().slice(0, 8);
  const user = () => agentCaller(h, { sub: `user-${run}`, role: 'predict' });
  const admin = () => agentCaller(h, { sub: `admin-${run}`, role: 'admin' });
  const play = (script: ScriptedReply[]) => model.rescript(script);
  const refused = () => model.requests.filter((r) => r.rejected).map((r) => r.rejected);

  it('when the model asks for a tool and then answers, then the tool runs and the answer sums both calls', async () => {
    play([
      {
        toolCalls: [{ id: 'call_alerts', name: 'alerts', arguments: {} }],
        usage: { promptTokens: 120, completionTokens: 7 },
      },
      { text: 'No alerts are open right now.', usage: { promptTokens: 180, completionTokens: 12 } },
    ]);
    const answer = await user().say(`tools-${run}`, 'which alerts are open?');
    expect(refused()).toEqual([]);
    expect(answer).toMatchObject({
      model: 'dapr:llm',
      reply: 'No alerts are open right now.',
      usage: { prompt_tokens: 300, completion_tokens: 19 },
      iterations: 2,
    });
    expect(answer.tool_calls).toEqual([expect.objectContaining({ name: 'alerts', arguments: {}, status: 'ok' })]);

    const [first, second] = model.requests;
    expect(model.requests).toHaveLength(2);
    // The key and endpoint came from the secret store through the component's secretKeyRef.
    expect(first!.authorization).toBe(`Bearer ${API_KEY}`);
    const offered = (first!.body.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(offered).toEqual(expect.arrayContaining(['alerts', 'drift', 'rollback', 'pin_fact']));
    expect(first!.body.messages.at(-1)).toMatchObject({ role: 'user', content: 'which alerts are open?' });

    const messages = second!.body.messages as { role: string; tool_calls?: any[]; tool_call_id?: string }[];
    const asked = messages.find((m) => m.role === 'assistant' && m.tool_calls?.length);
    expect(asked?.tool_calls).toEqual([
      expect.objectContaining({ id: 'call_alerts', function: expect.objectContaining({ name: 'alerts' }) }),
    ]);
    const result = messages.find((m) => m.role === 'tool');
    expect(result).toMatchObject({ tool_call_id: 'call_alerts' });
    expect(messages.indexOf(result!)).toBeGreaterThan(messages.indexOf(asked!));
  });

  it('when the model asks for a tool on every call, then the turn stops at the iteration cap', async () => {
    play([{ toolCalls: [{ name: 'alerts', arguments: {} }], usage: { promptTokens: 50, completionTokens: 5 } }]);
    const answer = await user().say(`loop-${run}`, 'keep checking the alerts');
    expect(refused()).toEqual([]);
    expect(model.requests).toHaveLength(MAX_ITERATIONS);
    expect(answer.iterations).toBe(MAX_ITERATIONS);
    expect(answer.reply).toContain(`stopped after ${MAX_ITERATIONS} model calls`);
    expect(answer.tool_calls.map((c) => `${c.name}:${c.status}`)).toEqual(Array(MAX_ITERATIONS).fill('alerts:ok'));
    expect(answer.usage).toEqual({ prompt_tokens: 50 * MAX_ITERATIONS, completion_tokens: 5 * MAX_ITERATIONS });
  });

  it('when the model asks to roll back, then the call is parked for an admin and never run', async () => {
    play([
      {
        toolCalls: [{ name: 'rollback', arguments: { model: 'spam' } }],
        usage: { promptTokens: 90, completionTokens: 9 },
      },
      { text: 'The rollback waits for an admin to approve it.', usage: { promptTokens: 140, completionTokens: 11 } },
    ]);
    const answer = await user().say(`rollback-${run}`, 'roll back the spam model');
    expect(refused()).toEqual([]);
    expect(answer.reply).toBe('The rollback waits for an admin to approve it.');
    const parked = answer.tool_calls[0]!;
    expect(answer.tool_calls).toHaveLength(1);
    expect(parked).toMatchObject({ name: 'rollback', arguments: { model: 'spam' }, status: 'pending_approval' });
    const listed = (await admin().approvals()).find((a) => a.id === parked.approval_id);
    // Pending, with no outcome: the registry was never asked.
    expect(listed).toMatchObject({ tool: 'rollback', arguments: { model: 'spam' }, status: 'pending' });
    expect(listed?.outcome).toBeUndefined();
  });

  it('when a client asks for server-sent events through the gateway, then the reply comes word by word and then the answer', async () => {
    const reply = 'Every model is serving within its latency objective today.';
    play([{ text: reply, usage: { promptTokens: 70, completionTokens: 10 } }]);
    const res = await user().call(`/v1/agents/sessions/sse-${run}/messages`, {
      method: 'POST',
      headers: { accept: 'text/event-stream' },
      body: JSON.stringify({ content: 'are the models meeting their SLOs?' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseEvents(await res.text());
    expect(refused()).toEqual([]);
    const tokens = events.filter((e) => e.event === 'token').map((e) => e.data.text as string);
    expect(tokens.map((t) => t.trim())).toEqual(reply.split(' '));
    expect(tokens.join('')).toBe(reply);
    expect(events.map((e) => e.event)).toEqual([...tokens.map(() => 'token'), 'done']);
    const done = AgentTurnAnswer.parse(events.at(-1)!.data);
    expect(done).toMatchObject({ reply, model: 'dapr:llm', iterations: 1, tool_calls: [] });
    expect(done.usage).toEqual({ prompt_tokens: 70, completion_tokens: 10 });
  });
});
