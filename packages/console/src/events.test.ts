import { describe, expect, it } from 'vitest';
import { connectEvents, type LiveEvent, type StreamStatus } from './events.ts';

interface Job {
  fn: () => void;
  ms: number;
}

/** A scheduler the test drives: each delay is handed to the test (`next`) and runs only when it says so. */
function manualSchedule() {
  const waiting: ((job: Job) => void)[] = [];
  const queued: Job[] = [];
  return {
    schedule: (fn: () => void, ms: number) => {
      const job = { fn, ms };
      const taker = waiting.shift();
      if (taker) taker(job);
      else queued.push(job);
      return () => {};
    },
    next: () => new Promise<Job>((resolve) => (queued.length ? resolve(queued.shift()!) : waiting.push(resolve))),
  };
}

const streamOf = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });

describe('connectEvents', () => {
  it('when the gateway streams events, then each known one is parsed and the token is sent as a bearer', async () => {
    const seen: LiveEvent[] = [];
    let headers: Record<string, string> = {};
    let gotTwo = () => {};
    const two = new Promise<void>((resolve) => (gotTwo = resolve));
    const stream = connectEvents({
      token: 'tok',
      schedule: manualSchedule().schedule,
      onEvent: (e) => {
        seen.push(e);
        if (seen.length === 2) gotTwo();
      },
      fetch: async (_url, init) => {
        headers = (init?.headers ?? {}) as Record<string, string>;
        return new Response(
          streamOf([
            'event: predictions\ndata: {"total":5,"per_model":{"m":5}}\n\n: hb\n\n',
            'event: unknown\ndata: {}\n\nevent: alert\ndata: {"id":"a1"',
            '}\n\n',
          ]),
        );
      },
    });
    await two;
    stream.close();
    expect(seen).toEqual([
      { type: 'predictions', data: { total: 5, per_model: { m: 5 } } },
      { type: 'alert', data: { id: 'a1' } },
    ]);
    expect(headers.authorization).toBe('Bearer tok');
  });

  it('when connecting fails, then it reconnects after a delay that doubles up to the maximum', async () => {
    const timers = manualSchedule();
    let calls = 0;
    const stream = connectEvents({
      token: 't',
      schedule: timers.schedule,
      backoff: { initialMs: 100, maxMs: 250 },
      onEvent: () => {},
      fetch: async () => {
        calls++;
        return new Response('down', { status: 503 });
      },
    });
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const job = await timers.next();
      delays.push(job.ms);
      if (i < 2) job.fn();
    }
    stream.close();
    expect(delays).toEqual([100, 200, 250]);
    expect(calls).toBe(3);
  });

  it('when the gateway answers 401, then the status says unauthorized and it does not reconnect', async () => {
    const statuses: StreamStatus[] = [];
    let scheduled = 0;
    let ended = () => {};
    const unauthorized = new Promise<void>((resolve) => (ended = resolve));
    connectEvents({
      token: 'expired',
      schedule: () => {
        scheduled++;
        return () => {};
      },
      onEvent: () => {},
      onStatus: (s) => {
        statuses.push(s);
        if (s === 'unauthorized') ended();
      },
      fetch: async () => new Response('', { status: 401 }),
    });
    await unauthorized;
    expect(statuses).toEqual(['connecting', 'unauthorized']);
    expect(scheduled).toBe(0);
  });
});
