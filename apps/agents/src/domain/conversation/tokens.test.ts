import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from './llm.ts';
import { MESSAGE_OVERHEAD, countMessageTokens, countTokens, countToolTokens } from './tokens.ts';
import { PLATFORM_TOOL_SPECS } from './tools.ts';

const nonSpace = (s: string) => [...s].filter((c) => !/\s/u.test(c)).length;

describe('countTokens', () => {
  it('when words are up to 4 characters, then each is one token; longer ones cost one per 4 characters', () => {
    expect(countTokens('roll back spam')).toBe(3);
    expect(countTokens('hello')).toBe(2);
    expect(countTokens('supercalifragilistic')).toBe(5);
  });

  it('when there is punctuation, then every mark is a token of its own and whitespace is free', () => {
    expect(countTokens('Hello, world!')).toBe(6);
    expect(countTokens('{"a":1}')).toBe(7);
    expect(countTokens(' \n\t ')).toBe(0);
    expect(countTokens('')).toBe(0);
  });

  it('when two texts are joined by a space, then the count is the sum of theirs', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(countTokens(`${a} ${b}`)).toBe(countTokens(a) + countTokens(b));
      }),
    );
  });

  it('when any text is counted, then it costs at least a quarter and at most all of its visible characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const tokens = countTokens(s);
        expect(tokens).toBeLessThanOrEqual(nonSpace(s));
        expect(tokens).toBeGreaterThanOrEqual(Math.ceil(nonSpace(s) / 4));
      }),
    );
  });
});

describe('countMessageTokens', () => {
  const user: ChatMessage = { role: 'user', content: 'drift for spam' };
  const call: ChatMessage = {
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'c1', name: 'drift', arguments: { model: 'spam' } }],
  };
  const answer: ChatMessage = { role: 'tool', content: '{"psi":0.2}', toolCallId: 'c1', name: 'drift' };

  it('when a message is counted, then it costs its overhead plus its content', () => {
    expect(countMessageTokens([user])).toBe(MESSAGE_OVERHEAD + 4);
    expect(countMessageTokens([])).toBe(0);
  });

  it('when a message carries tool calls or a tool name, then they are counted too', () => {
    expect(countMessageTokens([call])).toBeGreaterThan(countMessageTokens([{ role: 'assistant', content: '' }]));
    expect(countMessageTokens([answer])).toBeGreaterThan(countMessageTokens([{ ...answer, name: undefined }]));
  });

  it('when a list is counted, then it is the sum of its messages, whatever the order', () => {
    const all = [user, call, answer];
    const sum = all.reduce((n, m) => n + countMessageTokens([m]), 0);
    expect(countMessageTokens(all)).toBe(sum);
    expect(countMessageTokens([answer, user, call])).toBe(sum);
  });
});

describe('countToolTokens', () => {
  it('when tools are counted, then every tool adds its name, description and schema', () => {
    const all = countToolTokens(PLATFORM_TOOL_SPECS);
    const withoutFirst = countToolTokens(PLATFORM_TOOL_SPECS.slice(1));
    const first = PLATFORM_TOOL_SPECS[0]!;
    expect(all - withoutFirst).toBe(
      MESSAGE_OVERHEAD +
        countTokens(first.name) +
        countTokens(first.description) +
        countTokens(JSON.stringify(first.parameters)),
    );
    expect(countToolTokens([])).toBe(0);
  });
});
