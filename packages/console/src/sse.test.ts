import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.ts';

describe('SseParser', () => {
  it('when an event arrives split across chunks, then it is dispatched once, on its blank line', () => {
    const parser = new SseParser();
    expect(parser.push('event: al')).toEqual([]);
    expect(parser.push('ert\ndata: {"id":')).toEqual([]);
    expect(parser.push('"a1"}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'alert', data: '{"id":"a1"}' }]);
  });

  it('when \\r\\n is split between two chunks, then no empty line is seen in between', () => {
    const parser = new SseParser();
    expect(parser.push('event: run\r\ndata: 1\r')).toEqual([]);
    expect(parser.push('\ndata: 2\r\n\r\n')).toEqual([{ event: 'run', data: '1\n2' }]);
  });

  it('when the stream sends heartbeat comments, then they produce no events and do not break the next one', () => {
    const parser = new SseParser();
    const events = parser.push(': heartbeat\n\nevent: predictions\ndata: {"total":3}\n\n: heartbeat\n\n');
    expect(events).toEqual([{ event: 'predictions', data: '{"total":3}' }]);
  });

  it('when an event names no type, then it is a "message", and the type does not leak to the next event', () => {
    const parser = new SseParser();
    const events = parser.push('event: alert\ndata: x\n\ndata: y\n\n');
    expect(events.map((e) => e.event)).toEqual(['alert', 'message']);
  });
});
