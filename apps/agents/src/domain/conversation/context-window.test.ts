import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContextWindowInput } from './context-window.ts';
import { PINNED_HEADING, SUMMARY_HEADING, contextPreamble, fitContextWindow, turnStarts } from './context-window.ts';
import type { ChatMessage } from './llm.ts';
import { countMessageTokens } from './tokens.ts';

const words = fc.lorem({ maxCount: 25 });

/** One user turn: the question, maybe a round of tool calls with their answers, then the reply. */
const turn = fc.record({ question: words, calls: fc.array(words, { maxLength: 3 }), reply: words });

const conversation = fc
  .record({ greeting: fc.option(words, { nil: undefined }), turns: fc.array(turn, { maxLength: 8 }) })
  .map(({ greeting, turns }): ChatMessage[] => [
    ...(greeting ? [{ role: 'assistant' as const, content: greeting }] : []),
    ...turns.flatMap((t, i): ChatMessage[] => {
      const calls = t.calls.map((_, j) => ({ id: `c${i}-${j}`, name: 'drift', arguments: { model: `m${j}` } }));
      return [
        { role: 'user', content: t.question },
        ...(calls.length ? [{ role: 'assistant' as const, content: '', toolCalls: calls }] : []),
        ...t.calls.map((result, j): ChatMessage => ({ role: 'tool', content: result, toolCallId: `c${i}-${j}` })),
        { role: 'assistant', content: t.reply },
      ];
    }),
  ]);

const windowInput = fc.record({
  budget: fc.integer({ min: 0, max: 1500 }),
  system: fc.option(words, { nil: undefined }),
  summary: fc.option(words, { nil: undefined }),
  pinned: fc.array(words, { maxLength: 3 }),
  messages: conversation,
  keepLatest: fc.integer({ min: 0, max: 4 }),
  reserve: fc.integer({ min: 0, max: 200 }),
});

/** The latest n turns of a conversation, as fitContextWindow must keep them at least. */
function latestTurns(messages: readonly ChatMessage[], n: number): ChatMessage[] {
  const starts = turnStarts(messages);
  return n === 0 ? [] : messages.slice(starts[Math.max(0, starts.length - n)] ?? messages.length);
}

const fits = (o: ContextWindowInput, kept: readonly ChatMessage[]) =>
  countMessageTokens([...contextPreamble(o), ...kept]) + (o.reserve ?? 0) <= o.budget;

describe('fitContextWindow', () => {
  it('when folded, then fold followed by keep is the input, in order, and tokens count preamble and kept', () => {
    fc.assert(
      fc.property(windowInput, (o) => {
        const { keep, fold, tokens } = fitContextWindow(o);
        expect([...fold, ...keep]).toEqual(o.messages);
        expect(tokens).toBe(countMessageTokens([...contextPreamble(o), ...keep]));
      }),
    );
  });

  it('when the latest turns fit, then the kept window fits, with no turn folded that could have stayed', () => {
    fc.assert(
      fc.property(windowInput, (o) => {
        const { keep, fold } = fitContextWindow(o);
        if (!fits(o, latestTurns(o.messages, o.keepLatest))) return;
        expect(fits(o, keep)).toBe(true);
        if (fold.length === 0) return;
        const starts = turnStarts(o.messages).filter((s) => s < fold.length);
        expect(fits(o, o.messages.slice(starts[starts.length - 1]))).toBe(false);
      }),
    );
  });

  it('when even the latest turns do not fit, then exactly they are kept', () => {
    fc.assert(
      fc.property(windowInput, (o) => {
        const latest = latestTurns(o.messages, o.keepLatest);
        if (fits(o, latest)) return;
        expect(fitContextWindow(o).keep).toEqual(latest);
      }),
    );
  });

  it('when anything is folded, then the window starts at a user message and every tool answer keeps its call', () => {
    fc.assert(
      fc.property(windowInput, (o) => {
        const { keep, fold } = fitContextWindow(o);
        if (fold.length > 0 && keep.length > 0) expect(keep[0]!.role).toBe('user');
        const called = new Set(keep.flatMap((m) => m.toolCalls ?? []).map((c) => c.id));
        for (const m of keep.filter((k) => k.role === 'tool')) expect(called.has(m.toolCallId!)).toBe(true);
      }),
    );
  });

  it('when called twice with equal input, then the answers are equal', () => {
    fc.assert(
      fc.property(windowInput, (o) => {
        expect(fitContextWindow(structuredClone(o))).toEqual(fitContextWindow(o));
      }),
    );
  });

  it('when everything fits, then nothing is folded', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'drift for spam' },
      { role: 'assistant', content: 'no drift' },
    ];
    expect(fitContextWindow({ budget: 1000, pinned: [], messages })).toEqual({
      keep: messages,
      fold: [],
      tokens: countMessageTokens(messages),
    });
  });

  it('when the budget is tiny, then the two latest turns are kept over budget by default', () => {
    const messages: ChatMessage[] = ['one', 'two', 'three'].flatMap((n): ChatMessage[] => [
      { role: 'user', content: `question ${n}` },
      { role: 'assistant', content: `answer ${n}` },
    ]);
    const { keep, fold, tokens } = fitContextWindow({ budget: 1, pinned: [], messages });
    expect(fold).toEqual(messages.slice(0, 2));
    expect(keep).toEqual(messages.slice(2));
    expect(tokens).toBeGreaterThan(1);
    expect(fitContextWindow({ budget: 1, pinned: [], messages, keepLatest: 0 }).keep).toEqual([]);
  });

  it('when a user message sits between a tool call and its answer, then no cut falls between them', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'roll back spam' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'r1', name: 'rollback', arguments: { model: 'spam' } }] },
      { role: 'user', content: 'and hurry up please' },
      { role: 'tool', content: '{"status":"pending_approval"}', toolCallId: 'r1' },
      { role: 'user', content: 'thanks' },
    ];
    expect(turnStarts(messages)).toEqual([0, 4]);
    expect(fitContextWindow({ budget: 0, pinned: [], messages, keepLatest: 1 }).fold).toHaveLength(4);
  });

  it('when the budget, reserve or keepLatest are not sensible, then it throws (a caller bug)', () => {
    expect(() => fitContextWindow({ budget: -1, pinned: [], messages: [] })).toThrow(RangeError);
    expect(() => fitContextWindow({ budget: Number.NaN, pinned: [], messages: [] })).toThrow(RangeError);
    expect(() => fitContextWindow({ budget: 10, pinned: [], messages: [], keepLatest: 1.5 })).toThrow(RangeError);
    expect(() => fitContextWindow({ budget: 10, pinned: [], messages: [], reserve: -5 })).toThrow(RangeError);
  });
});

describe('contextPreamble', () => {
  it('when a summary and facts are given, then they follow the system prompt under their headings', () => {
    expect(
      contextPreamble({ system: 'be brief', summary: 'asked about drift', pinned: ['spam v3 is the baseline'] }),
    ).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'system', content: `${SUMMARY_HEADING}\nasked about drift` },
      { role: 'system', content: `${PINNED_HEADING}\n- spam v3 is the baseline` },
    ]);
    expect(contextPreamble({ pinned: [] })).toEqual([]);
  });
});
