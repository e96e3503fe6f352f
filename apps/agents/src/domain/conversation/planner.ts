import { createHash } from 'node:crypto';
import { PINNED_HEADING, SUMMARY_HEADING, turnStarts } from './context-window.ts';
import type { ChatMessage, LanguageModel, LlmAnswer, ToolCall, ToolSpec, Usage } from './llm.ts';
import { countMessageTokens, countTokens, countToolTokens } from './tokens.ts';
import { KNOWN_MODELS, MODEL_INPUTS } from './tools.ts';

/**
 * The offline stand-in for an LLM: rules map a request to one tool call, tool results become a
 * plain-language answer (so the agent loop ends), and everything is a pure function of the input.
 */
export class DeterministicPlanner implements LanguageModel {
  readonly name = 'deterministic-planner';
  readonly contextTokens: number;

  constructor(o: { contextTokens?: number } = {}) {
    this.contextTokens = o.contextTokens ?? 8192;
  }

  async complete(o: { messages: ChatMessage[]; tools: ToolSpec[] }): Promise<LlmAnswer> {
    const reply = respond(o.messages, o.tools);
    const toolCalls = reply.call ? [withId(reply.call, o.messages.length)] : [];
    const answer: ChatMessage = { role: 'assistant', content: reply.content, toolCalls };
    return {
      content: reply.content,
      toolCalls,
      usage: {
        promptTokens: countMessageTokens(o.messages) + countToolTokens(o.tools),
        completionTokens: countMessageTokens([answer]),
      },
    };
  }

  async summarise(o: { previous?: string; messages: ChatMessage[] }): Promise<{ summary: string; usage: Usage }> {
    const summary = foldIntoSummary(o);
    const promptTokens = countMessageTokens(o.messages) + countTokens(o.previous ?? '');
    return { summary, usage: { promptTokens, completionTokens: countTokens(summary) } };
  }
}

type Reply = { content: string; call?: { name: string; arguments: Record<string, unknown> } };

function respond(messages: readonly ChatMessage[], tools: readonly ToolSpec[]): Reply {
  let first = messages.length;
  while (first > 0 && messages[first - 1]!.role === 'tool') first--;
  if (first < messages.length) return { content: describeResults(messages.slice(first), messages[first - 1]) };
  const last = messages[messages.length - 1];
  if (last?.role !== 'user') return { content: capabilities(tools) };
  return answerRequest({ text: last.content, messages, tools });
}

function answerRequest(o: { text: string; messages: readonly ChatMessage[]; tools: readonly ToolSpec[] }): Reply {
  if (RECALL.test(o.text)) return { content: recall(o.messages) };
  const intent = INTENTS.map((rule) => rule(o.text)).find((i) => i !== undefined);
  if (!intent) return { content: capabilities(o.tools) };
  if ('ask' in intent) return { content: intent.ask };
  if (!o.tools.some((t) => t.name === intent.tool)) {
    return { content: `I cannot do that here: the ${intent.tool} tool is not available.\n${capabilities(o.tools)}` };
  }
  const mutating = o.tools.find((t) => t.name === intent.tool)?.mutating;
  const content = mutating ? `Asking for ${intent.tool}; it needs a human's approval.` : `Calling ${intent.tool}.`;
  return { content, call: { name: intent.tool, arguments: intent.args } };
}

type Intent = { tool: string; args: Record<string, unknown> } | { ask: string };
type Rule = (text: string) => Intent | undefined;

const NAME = '([A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?)';
const NOT_NAMES = new Set('the a an my our this that it model models version me why how what'.split(' '));
const RECALL = /\bwhat\s+(?:do|did)\s+you\s+remember\b|\bwhat\s+(?:did|have)\s+i\s+(?:ask|asked|say|said)\b/i;

/** A known model named anywhere wins; otherwise the name after "for/of/on" or after the verb. */
function modelIn(text: string, after?: RegExp): string | undefined {
  const known = KNOWN_MODELS.find((m) => new RegExp(`(?<![\\w-])${m}(?![\\w-])`, 'i').test(text));
  if (known) return known;
  for (const pattern of [after, /\b(?:for|of|on)\s+(?:the\s+)?(?:model\s+)?/i]) {
    const name = pattern && new RegExp(pattern.source + NAME, 'i').exec(text)?.[1];
    if (name && !NOT_NAMES.has(name.toLowerCase())) return name;
  }
  return undefined;
}

const version = (text: string) => /\b(?:version|v)\s*#?\s*(\d+)\b/i.exec(text)?.[1];
const needModel = (what: string, example: string): Intent => ({
  ask: `Which model ${what}? For example: "${example}".`,
});

/** Read-only report on one model, asked for by keyword. */
const report =
  (tool: string, keywords: RegExp): Rule =>
  (text) => {
    if (!keywords.test(text)) return undefined;
    const model = modelIn(text);
    return model ? { tool, args: { model } } : needModel(`should I check for ${tool}`, `${tool} for spam`);
  };

const inferRule =
  (tool: 'predict' | 'explain'): Rule =>
  (text) => {
    const pattern = `^\\W*(?:please\\s+)?${tool}\\s+(?:with\\s+)?(?:the\\s+)?(?:model\\s+)?${NAME}\\s*:?\\s*(.*)$`;
    const match = new RegExp(pattern, 'is').exec(text);
    if (!match || NOT_NAMES.has(match[1]!.toLowerCase())) return undefined;
    const model = KNOWN_MODELS.find((m) => m === match[1]!.toLowerCase()) ?? match[1]!;
    const inputs = parseInputs(model, match[2]!.trim());
    if (inputs) return { tool, args: { model, inputs } };
    return { ask: `Which inputs? For example: "${tool} ${exampleInputs(model)}".` };
  };

function exampleInputs(model: string): string {
  const known = MODEL_INPUTS[model];
  if (!known) return 'sensor-anomaly humidity 45 temperature 30';
  if (known.datatype === 'BYTES') return `${model} win a free prize now`;
  return `${model} ${known.names.map((n) => `${n} 1`).join(' ')}`;
}

const PAIRS = /([A-Za-z_][\w.-]{0,63})\s*[=:]?\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)/gi;

/** JSON, "name value" pairs, or for a text model the rest of the line as its text. */
function parseInputs(model: string, rest: string): Record<string, unknown> | undefined {
  if (!rest) return undefined;
  if (rest.startsWith('{')) {
    try {
      const parsed = JSON.parse(rest) as Record<string, unknown>;
      return (parsed.inputs as Record<string, unknown>) ?? parsed;
    } catch {
      return undefined;
    }
  }
  const known = MODEL_INPUTS[model];
  // Only pairs and separators: anything else makes it text (a nested-quantifier regex would backtrack).
  if (known?.datatype !== 'BYTES' && rest.replace(PAIRS, '').replace(/\band\b|[\s,;]/gi, '') === '') {
    return Object.fromEntries([...rest.matchAll(PAIRS)].map(([, name, value]) => [name, Number(value)]));
  }
  return { [known?.datatype === 'BYTES' ? known.names[0]! : 'text']: rest.replace(/^["']|["']$/g, '') };
}

const INTENTS: Rule[] = [
  (text) => {
    const fact = trimTail(/^\W*(?:please\s+)?remember\s+(?:that\s+)?(.+)$/is.exec(text)?.[1]);
    return fact ? { tool: 'pin_fact', args: { fact } } : undefined;
  },
  (text) => {
    if (!/\broll[\s-]?back\b/i.test(text)) return undefined;
    const model = modelIn(text, /\broll[\s-]?back\s+(?:the\s+)?(?:model\s+)?/i);
    if (!model) return needModel('should I roll back', 'roll back spam');
    const reason = trimTail(/\bbecause\s+(.+)$/is.exec(text)?.[1]);
    return { tool: 'rollback', args: reason ? { model, reason } : { model } };
  },
  (text) => {
    if (!/\bpromote\b/i.test(text)) return undefined;
    const model = modelIn(text, /\bpromote\s+(?:the\s+)?(?:model\s+)?/i);
    const v = version(text);
    const stage = /\bto\s+(candidate|staging|production|archived)\b/i.exec(text)?.[1]?.toLowerCase();
    if (!model || !v) return { ask: 'Which model and version? For example: "promote spam version 3 to production".' };
    return { tool: 'promote', args: { model, version: Number(v), ...(stage ? { stage } : {}) } };
  },
  (text) => {
    if (!/\bcanary\b/i.test(text)) return undefined;
    const model = modelIn(text);
    const v = version(text);
    const percent = /(\d+(?:\.\d+)?)\s*(?:%|percent)/i.exec(text)?.[1];
    // A canary needs a version, and the planner cannot know which one is the candidate.
    if (!model || !v || !percent) {
      const example = `set canary for ${model ?? 'spam'} version ${v ?? 4} to ${percent ?? 20}%`;
      return { ask: `I need the model, the candidate version and its share. For example: "${example}".` };
    }
    return {
      tool: 'set_traffic_policy',
      args: { model, policy: { traffic: { canary: { version: v, percent: Number(percent) } } } },
    };
  },
  (text) => {
    if (!/\bretrain\b|\b(?:start|run|kick\s+off|launch|trigger|begin)\b[^.?!]*\btrain/i.test(text)) return undefined;
    const model = modelIn(text, /\bretrain\s+(?:the\s+)?(?:model\s+)?/i);
    return model ? { tool: 'start_training', args: { model } } : needModel('should I train', 'retrain spam');
  },
  inferRule('predict'),
  inferRule('explain'),
  (text) => {
    if (!/\bversions?\b/i.test(text)) return undefined;
    const model = modelIn(text);
    return model ? { tool: 'model_versions', args: { model } } : needModel('should I list', 'versions of spam');
  },
  (text) => {
    const mote = /\bmote\s*(?:#|id\s+|number\s+)?([A-Za-z0-9_-]*\d[A-Za-z0-9_-]*)\b/i.exec(text)?.[1];
    return mote ? { tool: 'mote_features', args: { mote } } : undefined;
  },
  report('drift', /\bdrift(?:s|ed|ing)?\b/i),
  report('quality', /\b(?:quality|accuracy)\b/i),
  report('bias', /\b(?:bias(?:ed)?|fair(?:ness)?)\b/i),
  report('slo', /\b(?:slos?|latency|error\s+rate)\b/i),
  (text) => (/\balerts?\b/i.test(text) ? { tool: 'alerts', args: {} } : undefined),
];

const EXAMPLES: Record<string, string> = {
  predict: 'predict sensor-anomaly humidity 45 temperature 30',
  explain: 'explain spam win a free prize now',
  drift: 'drift for spam',
  quality: 'quality of spam',
  bias: 'bias of wage-above-median',
  slo: 'latency of spam',
  alerts: 'alerts',
  model_versions: 'versions of spam',
  mote_features: 'features of mote 7',
  start_training: 'retrain sensor-anomaly',
  promote: 'promote spam version 3 to production',
  rollback: 'roll back spam',
  set_traffic_policy: 'set canary for spam version 4 to 20%',
  pin_fact: 'remember that spam v3 is the baseline',
};

function capabilities(tools: readonly ToolSpec[]): string {
  if (tools.length === 0) return 'I have no tools in this conversation, so I can only answer from what was said.';
  const lines = tools.map((t) => {
    const example = EXAMPLES[t.name] ? ` — try "${EXAMPLES[t.name]}"` : '';
    return `- ${t.name}: ${t.description}${t.mutating ? ' (needs approval)' : ''}${example}`;
  });
  return `I can help with:\n${lines.join('\n')}\nAsk "what do you remember" to hear what I kept from this conversation.`;
}

function recall(messages: readonly ChatMessage[]): string {
  const kept = messages
    .filter(
      (m) => m.role === 'system' && (m.content.startsWith(SUMMARY_HEADING) || m.content.startsWith(PINNED_HEADING)),
    )
    .map((m) => m.content);
  const asked = messages
    .slice(0, -1)
    .filter((m) => m.role === 'user')
    .map((m, i) => `${i + 1}. ${short(m.content, 100)}`);
  const parts = [...kept, ...(asked.length ? [`Recent requests:\n${asked.slice(-10).join('\n')}`] : [])];
  return parts.length ? parts.join('\n') : 'Nothing yet: this is the start of our conversation.';
}

const MAX_SUMMARY_CHARS = 1500;

/** The previous summary plus one line per folded user turn; the oldest lines go first past the cap. */
function foldIntoSummary(o: { previous?: string; messages: readonly ChatMessage[] }): string {
  const lines = (o.previous ?? '').split('\n').filter((l) => l.trim());
  const starts = turnStarts(o.messages);
  starts.forEach((start, i) => {
    const turn = o.messages.slice(start, starts[i + 1]);
    if (turn[0]?.role !== 'user') return;
    const tools = [...new Set(turn.flatMap((m) => m.toolCalls ?? []).map((c) => c.name))];
    lines.push(`- asked: ${short(turn[0].content, 80)}${tools.length ? ` (tools: ${tools.join(', ')})` : ''}`);
  });
  while (lines.length > 1 && lines.join('\n').length > MAX_SUMMARY_CHARS) lines.shift();
  const summary = lines.join('\n');
  return summary.length <= MAX_SUMMARY_CHARS ? summary : `${summary.slice(0, MAX_SUMMARY_CHARS - 1)}…`;
}

/** Drops closing punctuation and spaces; a loop, since /[.!\s]*$/ is quadratic on long runs. */
function trimTail(text: string | undefined): string | undefined {
  let end = text?.length ?? 0;
  while (end > 0 && /[.!\s]/.test(text![end - 1]!)) end--;
  return end > 0 ? text!.slice(0, end) : undefined;
}

function short(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Ids derive from the call and where it stands, so a replayed conversation gets the same ids. */
function withId(call: { name: string; arguments: Record<string, unknown> }, position: number): ToolCall {
  const digest = createHash('sha256')
    .update(`${position}|0|${call.name}|${stableJson(call.arguments)}`)
    .digest('hex');
  return { id: `call_${digest.slice(0, 16)}`, ...call };
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** One line per tool answer; the calling assistant message names the tool when the answer does not. */
function describeResults(results: readonly ChatMessage[], asking?: ChatMessage): string {
  const lines = results.map((m) => {
    const name = m.name ?? asking?.toolCalls?.find((c) => c.id === m.toolCallId)?.name ?? 'tool';
    return `- ${name}: ${describeResult(m.content)}`;
  });
  return `Here is what I found:\n${lines.join('\n')}`;
}

function describeResult(content: string): string {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return describeText(content);
  }
  if (isRecord(value) && typeof value.status === 'string' && 'result' in value) return describeEnvelope(value);
  return describeValue(value);
}

/** The session agent's wrapping: { status: ok | error | pending_approval, result }. */
function describeEnvelope(envelope: Record<string, unknown>): string {
  const { status, result } = envelope;
  if (/approv|park/i.test(String(status))) {
    const id = approvalId(envelope) ?? (isRecord(result) ? (approvalId(result) ?? result.id) : undefined);
    return `parked: it awaits a human's approval (approval id ${id ?? 'not given'}).`;
  }
  if (status === 'error') return `failed: ${typeof result === 'string' ? short(result, 200) : describeValue(result)}`;
  return describeValue(result);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) {
    const first = value.length ? `; first: ${fields(value[0])}` : '';
    return `${value.length} item${value.length === 1 ? '' : 's'}${first}`;
  }
  if (!isRecord(value)) return scalar(value);
  const approval = approvalId(value);
  if (approval !== undefined) return `parked: it awaits a human's approval (approval id ${approval}).`;
  const error = failure(value);
  if (error !== undefined) return `failed: ${short(error, 200)}`;
  if (Array.isArray(value.outputs)) {
    const outputs = value.outputs.filter(isRecord).map((o) => `${o.name} = ${scalar(o.data)}`);
    const version = value.model_version === undefined ? '' : ` v${value.model_version}`;
    return `${value.model_name ?? 'model'}${version}: ${outputs.join(', ')}`;
  }
  return fields(value);
}

/** Not JSON, or JSON cut short to fit the context: the first scalar fields that can still be read. */
function describeText(content: string): string {
  if (!/^\s*[[{]/.test(content)) return short(content, 200) || '(empty answer)';
  const pairs = [...content.matchAll(JSON_SCALAR_FIELD)]
    .filter(([, key]) => key !== 'status')
    .slice(0, MAX_FIELDS)
    .map(([, key, raw]) => `${key} ${scalar(JSON.parse(raw!))}`);
  return pairs.length ? `${pairs.join(', ')}, … (cut short)` : short(content, 200);
}
const JSON_SCALAR_FIELD =
  /"([^"\\]+)":\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)(?=\s*[,}\]])/g;

/** How the executor reports a mutating call it parked instead of running. */
function approvalId(value: Record<string, unknown>): string | undefined {
  const nested = isRecord(value.approval) ? value.approval.id : undefined;
  const parked = typeof value.status === 'string' && /approv|park/i.test(value.status) ? value.id : undefined;
  const id = value.approvalId ?? value.approval_id ?? nested ?? parked;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** An { error } value or a problem+json body. */
function failure(value: Record<string, unknown>): string | undefined {
  if (typeof value.error === 'string') return value.error;
  if (value.ok === false) return String(value.detail ?? value.message ?? 'no detail');
  const status = typeof value.status === 'number' ? value.status : 0;
  if (status >= 400 && typeof value.title === 'string')
    return `${value.title}${value.detail ? `: ${value.detail}` : ''}`;
  return undefined;
}

const MAX_FIELDS = 4;

function fields(value: unknown): string {
  if (!isRecord(value)) return scalar(value);
  const entries = Object.entries(value);
  const shown = entries.slice(0, MAX_FIELDS).map(([k, v]) => `${k} ${scalar(v)}`);
  return entries.length > MAX_FIELDS ? `${shown.join(', ')}, …` : shown.join(', ') || '(no fields)';
}

function scalar(value: unknown): string {
  if (typeof value === 'number') return String(Number.isInteger(value) ? value : Number(value.toFixed(3)));
  if (typeof value === 'string') return short(value, 60);
  if (Array.isArray(value)) return value.length <= 3 ? `[${value.map(scalar).join(', ')}]` : `${value.length} items`;
  if (isRecord(value))
    return `{${Object.keys(value).slice(0, 3).join(', ')}${Object.keys(value).length > 3 ? ', …' : ''}}`;
  return String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
