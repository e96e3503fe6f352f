import type { ChatMessage } from './llm.ts';
import { countMessageTokens } from './tokens.ts';

/** How the summary and the pinned facts reach a model: system messages starting with these headings. */
export const SUMMARY_HEADING = 'Conversation so far:';
export const PINNED_HEADING = 'Facts to keep:';

export interface PreambleInput {
  system?: string;
  summary?: string;
  pinned: readonly string[];
}

/** The messages that go before the history: system prompt, summary, pinned facts (each only if present). */
export function contextPreamble(o: PreambleInput): ChatMessage[] {
  const preamble: ChatMessage[] = [];
  if (o.system) preamble.push({ role: 'system', content: o.system });
  if (o.summary) preamble.push({ role: 'system', content: `${SUMMARY_HEADING}\n${o.summary}` });
  if (o.pinned.length > 0) {
    preamble.push({ role: 'system', content: `${PINNED_HEADING}\n${o.pinned.map((f) => `- ${f}`).join('\n')}` });
  }
  return preamble;
}

export interface ContextWindowInput extends PreambleInput {
  /** Tokens the model may see in one call (LanguageModel.contextTokens). */
  budget: number;
  /** History, oldest first. */
  messages: readonly ChatMessage[];
  /** Latest turns always kept, even over budget; a turn starts at a user message. Default 2. */
  keepLatest?: number;
  /** Tokens held back for what is not counted here: tool specs, the answer, the summary's growth. */
  reserve?: number;
}

export interface ContextWindow {
  keep: ChatMessage[];
  /** The oldest messages, to fold into the summary; fold followed by keep is the input. */
  fold: ChatMessage[];
  /** Preamble plus kept messages (without the reserve). */
  tokens: number;
}

/**
 * Folds the fewest oldest whole turns that make preamble + kept history + reserve fit the budget;
 * when even the latest `keepLatest` turns do not fit, folds everything before them. Cuts fall only
 * at turn starts, so a tool answer always stays with the call it answers.
 */
export function fitContextWindow(o: ContextWindowInput): ContextWindow {
  const { budget, messages, keepLatest = 2, reserve = 0 } = o;
  if (!(budget >= 0) || !(reserve >= 0)) throw new RangeError('budget and reserve must be non-negative');
  if (!Number.isInteger(keepLatest) || keepLatest < 0) throw new RangeError('keepLatest must be a whole number ≥ 0');

  const fixed = countMessageTokens(contextPreamble(o));
  const starts = turnStarts(messages);
  const cuts = [...starts, messages.length].slice(0, starts.length - Math.min(keepLatest, starts.length) + 1);
  const fromIndex = suffixTokens(messages);
  const cut = cuts.find((c) => fixed + fromIndex[c]! + reserve <= budget) ?? cuts[cuts.length - 1]!;
  return { keep: messages.slice(cut), fold: messages.slice(0, cut), tokens: fixed + fromIndex[cut]! };
}

/** fromIndex[i]: tokens of messages[i..]; fromIndex[length] = 0. Counting is additive per message. */
function suffixTokens(messages: readonly ChatMessage[]): number[] {
  const fromIndex = new Array<number>(messages.length + 1).fill(0);
  for (let i = messages.length - 1; i >= 0; i--) fromIndex[i] = fromIndex[i + 1]! + countMessageTokens([messages[i]!]);
  return fromIndex;
}

/**
 * Where turns start: the first message, and every user message that is not inside a tool
 * exchange (between an assistant's call and a tool message answering it, however they interleave).
 */
export function turnStarts(messages: readonly ChatMessage[]): number[] {
  const callAt = new Map<string, number>();
  const inside = new Set<number>();
  messages.forEach((m, i) => {
    for (const call of m.toolCalls ?? []) if (!callAt.has(call.id)) callAt.set(call.id, i);
    const asked = m.role === 'tool' && m.toolCallId !== undefined ? callAt.get(m.toolCallId) : undefined;
    if (asked !== undefined) for (let j = asked + 1; j <= i; j++) inside.add(j);
  });
  return messages.flatMap((m, i) => (i === 0 || (m.role === 'user' && !inside.has(i)) ? [i] : []));
}
