import { describe, expect, it } from 'vitest';
import { contextPreamble } from './context-window.ts';
import type { ChatMessage, ToolSpec } from './llm.ts';
import { DeterministicPlanner } from './planner.ts';
import { countMessageTokens, countTokens, countToolTokens } from './tokens.ts';
import { PLATFORM_TOOL_SPECS, planCall } from './tools.ts';

const PIN_FACT: ToolSpec = {
  name: 'pin_fact',
  description: 'Remember a fact for the session',
  parameters: { type: 'object', properties: { fact: { type: 'string' } }, required: ['fact'] },
  mutating: false,
};
const tools = [...PLATFORM_TOOL_SPECS, PIN_FACT];
const planner = new DeterministicPlanner();
const ask = (content: string, available: ToolSpec[] = tools) =>
  planner.complete({ messages: [{ role: 'user', content }], tools: available });

const INTENTS: [string, string, Record<string, unknown>][] = [
  ['roll back spam', 'rollback', { model: 'spam' }],
  ['ROLLBACK Spam', 'rollback', { model: 'spam' }],
  ['Roll back spam because recall fell.', 'rollback', { model: 'spam', reason: 'recall fell' }],
  ['start a training run for sensor-anomaly', 'start_training', { model: 'sensor-anomaly' }],
  ['retrain wage-above-median', 'start_training', { model: 'wage-above-median' }],
  ['promote spam version 3 to production', 'promote', { model: 'spam', version: 3, stage: 'production' }],
  ['promote version 2 of sensor-anomaly', 'promote', { model: 'sensor-anomaly', version: 2 }],
  ['drift for spam', 'drift', { model: 'spam' }],
  ["what's the drift of fraud-v2?", 'drift', { model: 'fraud-v2' }],
  ['how is the accuracy on spam', 'quality', { model: 'spam' }],
  ['quality of spam', 'quality', { model: 'spam' }],
  ['is wage-above-median biased?', 'bias', { model: 'wage-above-median' }],
  ['latency of spam', 'slo', { model: 'spam' }],
  ['slo for sensor-anomaly', 'slo', { model: 'sensor-anomaly' }],
  ['any alerts?', 'alerts', {}],
  ['versions of spam', 'model_versions', { model: 'spam' }],
  ['mote 7', 'mote_features', { mote: '7' }],
  ['features of mote 7', 'mote_features', { mote: '7' }],
  [
    'predict sensor-anomaly humidity 45 temperature 30',
    'predict',
    { model: 'sensor-anomaly', inputs: { humidity: 45, temperature: 30 } },
  ],
  ['predict spam {"text": "win a prize"}', 'predict', { model: 'spam', inputs: { text: 'win a prize' } }],
  ['predict spam: WIN 1000 dollars now', 'predict', { model: 'spam', inputs: { text: 'WIN 1000 dollars now' } }],
  [
    'explain sensor-anomaly humidity 90, temperature 40',
    'explain',
    { model: 'sensor-anomaly', inputs: { humidity: 90, temperature: 40 } },
  ],
  [
    'set canary for spam version 4 to 20%',
    'set_traffic_policy',
    { model: 'spam', policy: { traffic: { canary: { version: '4', percent: 20 } } } },
  ],
  ['remember that spam v3 is the baseline.', 'pin_fact', { fact: 'spam v3 is the baseline' }],
];

describe('DeterministicPlanner.complete, on a request', () => {
  it.each(INTENTS)('when asked "%s", then it calls %s with arguments the tool accepts', async (text, name, args) => {
    const answer = await ask(text);
    expect(answer.toolCalls).toHaveLength(1);
    expect(answer.toolCalls[0]).toMatchObject({ name, arguments: args });
    if (name !== 'pin_fact') expect(planCall(name, answer.toolCalls[0]!.arguments)).toMatchObject({ ok: true });
  });

  it('when something is missing for a call, then it asks for it instead of calling', async () => {
    const canary = await ask('set canary for spam to 20%');
    expect(canary.toolCalls).toEqual([]);
    expect(canary.content).toContain('set canary for spam version 4 to 20%');
    const drift = await ask('is there drift?');
    expect(drift.toolCalls).toEqual([]);
    expect(drift.content).toMatch(/Which model/);
    expect((await ask('predict spam')).content).toContain('predict spam win a free prize now');
  });

  it('when nothing matches, then the answer lists every tool it has and no call is made', async () => {
    const answer = await ask('hello there');
    expect(answer.toolCalls).toEqual([]);
    for (const t of tools) expect(answer.content).toContain(`- ${t.name}:`);
    expect(answer.content).toMatch(/rollback: .*\(needs approval\)/);
  });

  it('when the matching tool is not offered, then it says so and does not call it', async () => {
    const answer = await ask(
      'roll back spam',
      tools.filter((t) => t.name !== 'rollback'),
    );
    expect(answer.toolCalls).toEqual([]);
    expect(answer.content).toMatch(/rollback tool is not available/);
    expect((await ask('remember that x is y', PLATFORM_TOOL_SPECS as ToolSpec[])).toolCalls).toEqual([]);
  });

  it('when asked twice with the same messages, then the answers are equal; at another position the id differs', async () => {
    const first = await ask('drift for spam');
    expect(await ask('drift for spam')).toEqual(first);
    const later = await planner.complete({
      messages: [
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'hi' },
        { role: 'user', content: 'drift for spam' },
      ],
      tools,
    });
    expect(later.toolCalls[0]!.id).not.toBe(first.toolCalls[0]!.id);
    expect(first.toolCalls[0]!.id).toMatch(/^call_[0-9a-f]{16}$/);
  });

  it('when it answers, then usage counts the messages and tools in and the answer out', async () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'drift for spam' }];
    const answer = await planner.complete({ messages, tools });
    expect(answer.usage.promptTokens).toBe(countMessageTokens(messages) + countToolTokens(tools));
    expect(answer.usage.completionTokens).toBe(
      countMessageTokens([{ role: 'assistant', content: answer.content, toolCalls: answer.toolCalls }]),
    );
  });
});

describe('DeterministicPlanner.complete, on tool results', () => {
  const calls = ['drift', 'rollback', 'predict', 'quality', 'bias'].map((name, i) => ({
    id: `c${i}`,
    name,
    arguments: {},
  }));
  const result = (i: number, content: unknown): ChatMessage => ({
    role: 'tool',
    toolCallId: `c${i}`,
    content: typeof content === 'string' ? content : JSON.stringify(content),
  });
  const messages: ChatMessage[] = [
    { role: 'user', content: 'check spam' },
    { role: 'assistant', content: '', toolCalls: calls },
    result(0, { status: 'ok', result: { model: 'spam', psi: 0.123456, drifted: true, window: 500, extra: 1 } }),
    result(1, { status: 'pending_approval', approval_id: 'ap-1', result: { approval_id: 'ap-1', hash: 'h' } }),
    result(2, {
      status: 'ok',
      result: { model_name: 'spam', model_version: '3', outputs: [{ name: 'spam_probability', data: [0.98765] }] },
    }),
    result(3, { status: 'error', result: 'quality: model: letters, digits' }),
    result(
      4,
      JSON.stringify({ status: 'ok', result: { model: 'spam', disparate_impact: 0.8123, groups: 2 } }).slice(0, 70),
    ),
  ];

  it('when the last messages are tool results, then it summarises each in plain words and calls nothing', async () => {
    const answer = await planner.complete({ messages, tools });
    expect(answer.toolCalls).toEqual([]);
    const lines = answer.content.split('\n');
    expect(lines[1]).toBe('- drift: model spam, psi 0.123, drifted true, window 500, …');
    expect(lines[2]).toBe("- rollback: parked: it awaits a human's approval (approval id ap-1).");
    expect(lines[3]).toBe('- predict: spam v3: spam_probability = [0.988]');
    expect(lines[4]).toBe('- quality: failed: quality: model: letters, digits');
    expect(lines[5]).toBe('- bias: model spam, disparate_impact 0.812, … (cut short)');
  });
});

describe('DeterministicPlanner.complete, on memory', () => {
  it('when asked what it remembers, then it answers from the summary, the pinned facts and earlier requests', async () => {
    const messages: ChatMessage[] = [
      ...contextPreamble({
        system: 'be brief',
        summary: '- asked: drift for spam',
        pinned: ['spam v3 is the baseline'],
      }),
      { role: 'user', content: 'versions of spam' },
      { role: 'assistant', content: 'three versions' },
      { role: 'user', content: 'What do you remember?' },
    ];
    const answer = await planner.complete({ messages, tools });
    expect(answer.toolCalls).toEqual([]);
    expect(answer.content).toContain('drift for spam');
    expect(answer.content).toContain('spam v3 is the baseline');
    expect(answer.content).toContain('1. versions of spam');
    expect(answer.content).not.toContain('be brief');
  });

  it('when asked what was asked at the start, then it says there is nothing yet', async () => {
    expect((await ask('what did I ask?')).content).toMatch(/^Nothing yet/);
  });
});

describe('DeterministicPlanner.summarise', () => {
  const turn = (question: string, tool?: string): ChatMessage[] => [
    { role: 'user', content: question },
    ...(tool
      ? [{ role: 'assistant' as const, content: '', toolCalls: [{ id: tool, name: tool, arguments: {} }] }]
      : []),
    ...(tool ? [{ role: 'tool' as const, content: '{}', toolCallId: tool }] : []),
    { role: 'assistant', content: 'done' },
  ];

  it('when turns are folded, then the previous summary gains one line per user turn with its tools', async () => {
    const { summary, usage } = await planner.summarise({
      previous: '- asked: hello',
      messages: [...turn('drift for spam', 'drift'), ...turn('thanks')],
    });
    expect(summary).toBe('- asked: hello\n- asked: drift for spam (tools: drift)\n- asked: thanks');
    expect(usage.completionTokens).toBe(countTokens(summary));
    expect(usage.promptTokens).toBeGreaterThan(0);
  });

  it('when the summary grows past its cap, then the oldest lines go and the newest stay', async () => {
    let previous: string | undefined;
    for (let i = 0; i < 60; i++) {
      const { summary }: { summary: string } = await planner.summarise({
        ...(previous ? { previous } : {}),
        messages: turn(`question number ${i} about the drift of spam`),
      });
      previous = summary;
    }
    expect(previous!.length).toBeLessThanOrEqual(1500);
    expect(previous).toContain('question number 59');
    expect(previous).not.toContain('question number 0 ');
    const long = await planner.summarise({ previous: 'x'.repeat(3000), messages: [] });
    expect(long.summary.length).toBe(1500);
  });

  it('when summarised twice, then the summaries are equal', async () => {
    const o = { previous: 'before', messages: turn('drift for spam', 'drift') };
    expect(await planner.summarise(o)).toEqual(await planner.summarise(structuredClone(o)));
  });
});

describe('DeterministicPlanner as a LanguageModel', () => {
  it('when created, then it names itself and takes its context size from the options', () => {
    expect(planner.name).toBe('deterministic-planner');
    expect(new DeterministicPlanner({ contextTokens: 1234 }).contextTokens).toBe(1234);
  });

  it.each(INTENTS)('when "%s" goes round the loop once, then the next answer has no call', async (text) => {
    const messages: ChatMessage[] = [{ role: 'user', content: text }];
    const first = await planner.complete({ messages, tools });
    messages.push({ role: 'assistant', content: first.content, toolCalls: first.toolCalls });
    for (const c of first.toolCalls) {
      messages.push({ role: 'tool', toolCallId: c.id, name: c.name, content: '{"status":"ok","result":{}}' });
    }
    const second = await planner.complete({ messages, tools });
    expect(second.toolCalls).toEqual([]);
    expect(second.content).toContain(`- ${first.toolCalls[0]!.name}:`);
  });
});
