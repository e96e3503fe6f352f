import { createServer, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, ToolSpec } from '../domain/conversation/llm.ts';
import { type ConversePort, DaprConversation, SUMMARY_INSTRUCTION, sidecarConverse } from './dapr-conversation.ts';

/** A sidecar that answers every call with `reply` and keeps what it was sent. */
function fakeSidecar(reply: { status: number; json: unknown }) {
  const calls: { path: string; body: any }[] = [];
  const invoke: ConversePort = async (o) => {
    calls.push(o as { path: string; body: any });
    return reply;
  };
  return { invoke, calls };
}

const answer = (...outputs: unknown[]) => ({ status: 200, json: { outputs } });

const lookup: ToolSpec = {
  name: 'get_run',
  description: 'Reads a training run.',
  parameters: { type: 'object', properties: { runId: { type: 'string' } }, required: ['runId'] },
  mutating: false,
};

const history: ChatMessage[] = [
  { role: 'system', content: 'You are the ops agent.' },
  { role: 'user', content: 'How did run r1 do?' },
  { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_run', arguments: { runId: 'r1' } }] },
  { role: 'tool', content: '{"accuracy":0.91}', toolCallId: 'call_1', name: 'get_run' },
  { role: 'assistant', content: 'It reached 0.91.' },
];

describe('DaprConversation.complete', () => {
  it('when given every role and a tool, then it posts exactly the alpha2 request', async () => {
    const sidecar = fakeSidecar(answer({ choices: [{ finishReason: 'stop', message: { content: 'ok' } }] }));
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'llm', contextTokens: 8000 });
    await model.complete({ messages: history, tools: [lookup] });
    expect(model.name).toBe('dapr:llm');
    expect(sidecar.calls).toEqual([
      {
        path: '/v1.0-alpha2/conversation/llm/converse',
        body: {
          inputs: [
            {
              messages: [
                { ofSystem: { content: [{ text: 'You are the ops agent.' }] } },
                { ofUser: { content: [{ text: 'How did run r1 do?' }] } },
                {
                  ofAssistant: {
                    content: [],
                    toolCalls: [{ id: 'call_1', function: { name: 'get_run', arguments: '{"runId":"r1"}' } }],
                  },
                },
                { ofTool: { toolId: 'call_1', name: 'get_run', content: [{ text: '{"accuracy":0.91}' }] } },
                { ofAssistant: { content: [{ text: 'It reached 0.91.' }] } },
              ],
              scrubPii: false,
            },
          ],
          tools: [
            { function: { name: 'get_run', description: 'Reads a training run.', parameters: lookup.parameters } },
          ],
          toolChoice: 'auto',
          scrubPii: true,
        },
      },
    ]);
  });

  it('when no tools are offered and a temperature is set, then neither tools nor toolChoice is sent', async () => {
    const sidecar = fakeSidecar(answer({ choices: [{ message: { content: 'hi' } }] }));
    const model = new DaprConversation({
      invoke: sidecar.invoke,
      component: 'my llm',
      contextTokens: 1,
      temperature: 0.2,
    });
    await model.complete({ messages: [{ role: 'user', content: 'hi' }], tools: [] });
    expect(sidecar.calls[0]!.path).toBe('/v1.0-alpha2/conversation/my%20llm/converse');
    expect(Object.keys(sidecar.calls[0]!.body).sort()).toEqual(['inputs', 'scrubPii', 'temperature']);
    expect(sidecar.calls[0]!.body.temperature).toBe(0.2);
  });

  it('when PII scrubbing is turned off, then the request asks daprd not to scrub the reply', async () => {
    const sidecar = fakeSidecar(answer({ choices: [{ message: { content: 'hi' } }] }));
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'llm', contextTokens: 1, scrubPii: false });
    await model.complete({ messages: [{ role: 'user', content: 'hi' }], tools: [] });
    expect(sidecar.calls[0]!.body.scrubPii).toBe(false);
  });

  it('when daprd answers tool calls with protojson usage, then arguments are objects and counts are numbers', async () => {
    const sidecar = fakeSidecar(
      answer({
        choices: [
          {
            finishReason: 'tool_calls',
            message: {
              toolCalls: [
                { id: 'a', function: { name: 'get_run', arguments: '{"runId":"r7"}' } },
                { id: 'b', function: { name: 'list_runs', arguments: '' } },
              ],
            },
          },
        ],
        model: 'gpt-4o-mini',
        usage: { completionTokens: '7', promptTokens: '42', totalTokens: '49' },
      }),
    );
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'llm', contextTokens: 1 });
    expect(await model.complete({ messages: history, tools: [lookup] })).toEqual({
      content: '',
      toolCalls: [
        { id: 'a', name: 'get_run', arguments: { runId: 'r7' } },
        { id: 'b', name: 'list_runs', arguments: {} },
      ],
      usage: { promptTokens: 42, completionTokens: 7 },
    });
  });

  it('when the answer has several outputs, then text and calls are merged and the repeated usage counts once', async () => {
    const usage = { promptTokens: 10, completionTokens: '3' };
    const sidecar = fakeSidecar(
      answer(
        { choices: [{ message: { content: 'Let me look.' } }], usage },
        { choices: [{ message: { toolCalls: [{ id: 'x', function: { name: 'get_run', arguments: '{}' } }] } }], usage },
      ),
    );
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'llm', contextTokens: 1 });
    const got = await model.complete({ messages: history, tools: [lookup] });
    expect(got.content).toBe('Let me look.');
    expect(got.toolCalls.map((c) => c.id)).toEqual(['x']);
    expect(got.usage).toEqual({ promptTokens: 10, completionTokens: 3 });
  });

  it('when arguments are not a JSON object, then the call carries {} and the raw text as invalidArguments', async () => {
    const calls = ['runId', '[1,2]', '{"runId":'].map((a, i) => ({
      id: `c${i}`,
      function: { name: 'get_run', arguments: a },
    }));
    const sidecar = fakeSidecar(answer({ choices: [{ message: { toolCalls: calls } }] }));
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'echo', contextTokens: 1 });
    const got = await model.complete({ messages: history, tools: [lookup] });
    expect(got.toolCalls).toEqual([
      { id: 'c0', name: 'get_run', arguments: {}, invalidArguments: 'runId' },
      { id: 'c1', name: 'get_run', arguments: {}, invalidArguments: '[1,2]' },
      { id: 'c2', name: 'get_run', arguments: {}, invalidArguments: '{"runId":' },
    ]);
  });

  it('when calls come without ids or with repeated ones, then every id in the answer is unique', async () => {
    const fn = { name: 'get_run', arguments: '{}' };
    const sidecar = fakeSidecar(
      answer({
        choices: [{ message: { toolCalls: [{ function: fn }, { id: '0', function: fn }, { id: '0', function: fn }] } }],
      }),
    );
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'echo', contextTokens: 1 });
    const ids = (await model.complete({ messages: history, tools: [lookup] })).toolCalls.map((c) => c.id);
    expect(ids).toEqual(['call_0', '0', '0_2']);
  });

  it('when the component reports no usage, then usage is zero', async () => {
    const sidecar = fakeSidecar(answer({ choices: [{ message: { content: 'a' } }, { message: { content: 'b' } }] }));
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'llm', contextTokens: 1 });
    expect(await model.complete({ messages: history, tools: [] })).toEqual({
      content: 'a\nb',
      toolCalls: [],
      usage: { promptTokens: 0, completionTokens: 0 },
    });
  });

  it('when the sidecar answers an error, then it throws with the status and the first 300 characters', async () => {
    const message = `ERR_CONVERSATION_INVOKE ${'x'.repeat(400)}`;
    const sidecar = fakeSidecar({ status: 500, json: { errorCode: 'ERR_CONVERSATION_INVOKE', message } });
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'llm', contextTokens: 1 });
    const error = await model.complete({ messages: history, tools: [] }).catch((e: Error) => e);
    const body = JSON.stringify({ errorCode: 'ERR_CONVERSATION_INVOKE', message }).slice(0, 300);
    expect(error).toMatchObject({ code: 'BAD_GATEWAY', message: `conversation llm failed (500): ${body}` });
  });

  it('when the answer has no outputs, then it throws instead of answering nothing', async () => {
    const model = new DaprConversation({
      invoke: fakeSidecar({ status: 200, json: {} }).invoke,
      component: 'llm',
      contextTokens: 1,
    });
    await expect(model.complete({ messages: history, tools: [] })).rejects.toThrow(/unexpected shape/);
  });
});

describe('DaprConversation.summarise', () => {
  it('when asked to fold messages, then it sends the instruction and a transcript with no tools', async () => {
    const sidecar = fakeSidecar(
      answer({
        choices: [{ message: { content: '  r1 reached 0.91.  ' } }],
        usage: { promptTokens: '90', completionTokens: '6' },
      }),
    );
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'llm', contextTokens: 1 });
    const got = await model.summarise({ previous: 'User asked about r1.', messages: history.slice(2) });
    expect(got).toEqual({ summary: 'r1 reached 0.91.', usage: { promptTokens: 90, completionTokens: 6 } });
    const body = sidecar.calls[0]!.body;
    expect(body.tools).toBeUndefined();
    expect(body.inputs[0].messages).toEqual([
      { ofSystem: { content: [{ text: SUMMARY_INSTRUCTION }] } },
      {
        ofUser: {
          content: [
            {
              text:
                'Previous summary:\nUser asked about r1.\n\nNew messages:\n' +
                'assistant:  [calls get_run {"runId":"r1"}]\ntool get_run: {"accuracy":0.91}\nassistant: It reached 0.91.',
            },
          ],
        },
      },
    ]);
  });

  it('when the model answers no text, then it throws rather than erase the previous summary', async () => {
    const sidecar = fakeSidecar(answer({ choices: [{ message: { content: '  ' } }] }));
    const model = new DaprConversation({ invoke: sidecar.invoke, component: 'llm', contextTokens: 1 });
    await expect(model.summarise({ previous: 'keep me', messages: history })).rejects.toThrow(/answered no summary/);
  });
});

describe('sidecarConverse', () => {
  it('when posting, then it sends the API token and JSON, and answers the parsed body or its text', async () => {
    const seen: { method?: string; url?: string; token?: unknown; body: string }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, token: req.headers['dapr-api-token'], body });
        if (req.url === '/text') res.writeHead(500).end('not json');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"outputs":[]}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const invoke = sidecarConverse({ httpPort: (server.address() as { port: number }).port, apiToken: 'tok' });
    try {
      expect(await invoke({ path: '/v1.0-alpha2/conversation/llm/converse', body: { a: 1 } })).toEqual({
        status: 200,
        json: { outputs: [] },
      });
      expect(await invoke({ path: '/text', body: {} })).toEqual({ status: 500, json: 'not json' });
      expect(seen[0]).toEqual({
        method: 'POST',
        url: '/v1.0-alpha2/conversation/llm/converse',
        token: 'tok',
        body: '{"a":1}',
      });
    } finally {
      server.close();
    }
  });

  it('when the sidecar never answers, then it rejects as DEADLINE_EXCEEDED after its timeout', async () => {
    const server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const invoke = sidecarConverse({
      httpPort: (server.address() as { port: number }).port,
      apiToken: 't',
      timeoutMs: 50,
    });
    try {
      await expect(invoke({ path: '/x', body: {} })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('when nothing listens on the port, then it rejects as UNAVAILABLE', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const invoke = sidecarConverse({ httpPort: port, apiToken: 'tok' });
    await expect(invoke({ path: '/x', body: {} })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
