import { request } from 'node:http';
import { z } from 'zod';
import { API_TOKEN_HEADER, AppError, traceHeaders } from '@meridian/service-kit';
import type { ChatMessage, LanguageModel, LlmAnswer, ToolCall, ToolSpec, Usage } from '../domain/conversation/llm.ts';

/** One POST to the sidecar; `json` is the parsed body, or its text when it is not JSON. */
export type ConversePort = (o: { path: string; body: unknown }) => Promise<{ status: number; json: unknown }>;

/**
 * A tool call whose arguments were not a JSON object (the echo component always sends
 * "a,b"; a real model sometimes breaks its JSON): it carries `{}` and the raw text, so
 * the caller can answer it with an error instead of running the tool on a guess.
 */
export type DaprToolCall = ToolCall & { invalidArguments?: string };

export const SUMMARY_INSTRUCTION =
  'Fold the new messages into the previous summary. Keep facts, decisions, open questions, ' +
  'tool results that still matter and every id verbatim. Answer with the summary only, under 200 words.';

// daprd renders usage with protojson: uint64 becomes a JSON string, and zero fields are left out.
const Count = z
  .union([z.number(), z.string()])
  .optional()
  .transform((v) => Number(v ?? 0) || 0);
const Call = z.object({
  id: z.string().optional(),
  function: z.object({ name: z.string(), arguments: z.string().optional() }),
});
const Choice = z.object({ message: z.object({ content: z.string().optional(), toolCalls: z.array(Call).optional() }) });
const TokenCounts = z.object({ promptTokens: Count, completionTokens: Count });
const Answer = z.object({
  outputs: z.array(z.object({ choices: z.array(Choice).optional(), usage: TokenCounts.optional() })).min(1),
});

const text = (t: string) => [{ text: t }];

/** ChatMessage → the alpha2 `ofX` message; a tool message always carries exactly one part (langchaingo requires it). */
function toDapr(m: ChatMessage): unknown {
  if (m.role === 'system') return { ofSystem: { content: text(m.content) } };
  if (m.role === 'user') return { ofUser: { content: text(m.content) } };
  if (m.role === 'tool') return { ofTool: { toolId: m.toolCallId, name: m.name ?? '', content: text(m.content) } };
  const toolCalls = (m.toolCalls ?? []).map((c) => ({
    id: c.id,
    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
  }));
  return { ofAssistant: { content: m.content ? text(m.content) : [], ...(toolCalls.length ? { toolCalls } : {}) } };
}

function parseArguments(raw: string | undefined): { arguments: Record<string, unknown>; invalidArguments?: string } {
  if (!raw?.trim()) return { arguments: {} };
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value))
      return { arguments: value as Record<string, unknown> };
  } catch {
    // Not JSON: reported below like any other non-object.
  }
  return { arguments: {}, invalidArguments: raw };
}

/**
 * The Conversation API (v1.0-alpha2) as a LanguageModel. Every choice of every output is
 * merged into one answer: a provider may split text and tool calls across choices.
 */
export class DaprConversation implements LanguageModel {
  readonly name: string;
  readonly contextTokens: number;

  /**
   * `scrubPii` (default on) has daprd mask PII in the reply. Its scrubber also masks numbers
   * (0.9312 → <PHONE_NUMBER>, 12345 → <ZIP_CODE>, 1700000000 → <ISBN>), so an agent that must
   * quote metrics may turn it off.
   */
  constructor(
    private readonly o: {
      invoke: ConversePort;
      component: string;
      contextTokens: number;
      temperature?: number;
      scrubPii?: boolean;
    },
  ) {
    this.name = `dapr:${o.component}`;
    this.contextTokens = o.contextTokens;
  }

  async complete(o: {
    messages: ChatMessage[];
    tools: ToolSpec[];
  }): Promise<LlmAnswer & { toolCalls: DaprToolCall[] }> {
    const tools = o.tools.map((t) => ({
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
    const res = await this.o.invoke({
      path: `/v1.0-alpha2/conversation/${encodeURIComponent(this.o.component)}/converse`,
      body: {
        // Never the inputs: the scrubber would mask the numbers in tool results the model must reason on.
        inputs: [{ messages: o.messages.map(toDapr), scrubPii: false }],
        ...(tools.length ? { tools, toolChoice: 'auto' } : {}),
        scrubPii: this.o.scrubPii ?? true,
        ...(this.o.temperature !== undefined ? { temperature: this.o.temperature } : {}),
      },
    });
    const what = `conversation ${this.o.component}`;
    if (res.status < 200 || res.status >= 300) {
      const body = typeof res.json === 'string' ? res.json : JSON.stringify(res.json);
      throw new AppError({ code: 'BAD_GATEWAY', message: `${what} failed (${res.status}): ${body.slice(0, 300)}` });
    }
    const parsed = Answer.safeParse(res.json);
    if (!parsed.success)
      throw new AppError({
        code: 'BAD_GATEWAY',
        message: `${what} answered an unexpected shape: ${parsed.error.message.slice(0, 300)}`,
      });
    return DaprConversation.answer(parsed.data);
  }

  private static answer(a: z.infer<typeof Answer>): LlmAnswer & { toolCalls: DaprToolCall[] } {
    const choices = a.outputs.flatMap((o) => o.choices ?? []);
    const seen = new Set<string>();
    const toolCalls = choices
      .flatMap((c) => c.message.toolCalls ?? [])
      .map((c, i): DaprToolCall => {
        // Ids must be unique within an answer; some providers send none, and echo reuses them.
        let id = c.id || `call_${i}`;
        while (seen.has(id)) id = `${id}_${i}`;
        seen.add(id);
        return { id, name: c.function.name, ...parseArguments(c.function.arguments) };
      });
    // daprd copies the one response-level usage into every output, so the first is the total;
    // summing would count it once per choice. Absent means 0: components-contrib 1.18.4 reads
    // PromptTokens/CompletionTokens, which anthropic never sets (it reports Input/OutputTokens).
    // (echo reports the word count of its reply as both.)
    const counted = a.outputs.find((o) => o.usage)?.usage;
    const usage: Usage = { promptTokens: counted?.promptTokens ?? 0, completionTokens: counted?.completionTokens ?? 0 };
    const content = choices
      .map((c) => c.message.content ?? '')
      .filter(Boolean)
      .join('\n');
    return { content, toolCalls, usage };
  }

  async summarise(o: { previous?: string; messages: ChatMessage[] }): Promise<{ summary: string; usage: Usage }> {
    // One plain-text transcript, not the messages themselves: a tool message whose call was
    // folded into an earlier summary would be rejected by OpenAI without its assistant call.
    const lines = o.messages.map((m) => {
      const calls = (m.toolCalls ?? []).map((c) => ` [calls ${c.name} ${JSON.stringify(c.arguments)}]`).join('');
      return `${m.role}${m.role === 'tool' && m.name ? ` ${m.name}` : ''}: ${m.content}${calls}`;
    });
    const transcript = `Previous summary:\n${o.previous ?? '(none)'}\n\nNew messages:\n${lines.join('\n')}`;
    const answer = await this.complete({
      messages: [
        { role: 'system', content: SUMMARY_INSTRUCTION },
        { role: 'user', content: transcript },
      ],
      tools: [],
    });
    const summary = answer.content.trim();
    // An empty summary would silently replace the previous one.
    if (!summary)
      throw new AppError({ code: 'BAD_GATEWAY', message: `conversation ${this.o.component} answered no summary` });
    return { summary, usage: answer.usage };
  }
}

/** The ConversePort of this app's own sidecar, on node:http (DaprClient has no generic POST). */
export function sidecarConverse(o: {
  httpPort: number;
  apiToken: string;
  host?: string;
  timeoutMs?: number;
}): ConversePort {
  return ({ path, body }) =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = request(
        {
          host: o.host ?? '127.0.0.1',
          port: o.httpPort,
          method: 'POST',
          path,
          headers: {
            ...traceHeaders(),
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            [API_TOKEN_HEADER]: o.apiToken,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            let json: unknown = raw;
            try {
              json = JSON.parse(raw);
            } catch {
              // Kept as text: the caller shows it in its error.
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
        },
      );
      // The components set no HTTP timeout of their own (they rely on resiliency policies), so a stalled provider would hang.
      const timeoutMs = o.timeoutMs ?? 120_000;
      let timedOut = false;
      req.setTimeout(timeoutMs, () => {
        timedOut = true;
        req.destroy();
      });
      req.on('error', (cause) =>
        reject(
          timedOut
            ? new AppError({ code: 'DEADLINE_EXCEEDED', message: `converse took longer than ${timeoutMs} ms`, cause })
            : new AppError({ code: 'UNAVAILABLE', message: 'Dapr sidecar unreachable during converse', cause }),
        ),
      );
      req.end(payload);
    });
}
