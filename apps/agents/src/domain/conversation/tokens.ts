import type { ChatMessage, ToolSpec } from './llm.ts';

/**
 * A deterministic token estimate: no real tokenizer is available offline, and budgets only need
 * to be consistent and roughly right (BPE tokenizers average ~4 characters of English per token).
 *
 * The rule: text is cut into pieces, each a run of letters and digits (a word) or a single other
 * non-space character (punctuation, a symbol, an emoji). A word costs ceil(length / 4) tokens, so
 * words of up to 4 characters cost 1; every other piece costs 1; whitespace is free. Hence
 * countTokens(a + ' ' + b) === countTokens(a) + countTokens(b).
 */
export function countTokens(text: string): number {
  let tokens = 0;
  for (const [piece] of text.matchAll(PIECES)) {
    tokens += WORD.test(piece) ? Math.ceil([...piece].length / CHARS_PER_TOKEN) : 1;
  }
  return tokens;
}

const PIECES = /[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu;
const WORD = /^[\p{L}\p{N}\p{M}]+$/u;
const CHARS_PER_TOKEN = 4;

/** What chat formats spend per message on the role and separators (OpenAI's cookbook counts 3-4). */
export const MESSAGE_OVERHEAD = 4;
/** Per tool call: its id and the call's framing. */
export const TOOL_CALL_OVERHEAD = 3;

/**
 * A message list as a model sees it: every message costs its overhead, its content, its name,
 * and for each tool call the name and the JSON of its arguments. Additive: the cost of a list is
 * the sum of the costs of its messages, so a window can be cut anywhere and still be counted.
 */
export function countMessageTokens(messages: readonly ChatMessage[]): number {
  let tokens = 0;
  for (const m of messages) {
    tokens += MESSAGE_OVERHEAD + countTokens(m.content) + (m.name ? countTokens(m.name) : 0);
    for (const call of m.toolCalls ?? []) {
      tokens += TOOL_CALL_OVERHEAD + countTokens(call.name) + countTokens(JSON.stringify(call.arguments));
    }
  }
  return tokens;
}

/** Tool specs do not change between calls: each spec is counted once (about 3,600 tokens of JSON Schema). */
const toolTokens = new WeakMap<ToolSpec, number>();

/** Tool specs are sent with every call, so they come out of the same context budget. */
export function countToolTokens(tools: readonly ToolSpec[]): number {
  let tokens = 0;
  for (const t of tools) {
    let n = toolTokens.get(t);
    if (n === undefined) {
      n = countOneTool(t);
      toolTokens.set(t, n);
    }
    tokens += n;
  }
  return tokens;
}

function countOneTool(t: ToolSpec): number {
  let tokens = 0;
  tokens += MESSAGE_OVERHEAD + countTokens(t.name) + countTokens(t.description);
  tokens += countTokens(JSON.stringify(t.parameters));
  return tokens;
}
