import { describe, expect, it } from 'vitest';
import { failedShare, openLoop, refusedCount, type Outcome } from './open-loop.ts';

const after = (ms: number, outcome: Outcome) => () => new Promise<Outcome>((r) => setTimeout(() => r(outcome), ms));

describe('openLoop', () => {
  it('when answers are quick, then it sends every request the schedule calls for', async () => {
    const r = await openLoop({ rps: 200, seconds: 0.5, maxInFlight: 100, call: after(5, 200) });
    expect(r.scheduled).toBe(100);
    expect(r.sent).toBe(100);
    expect(r.outcomes).toEqual({ 200: 100 });
    expect(r.admitted.n).toBe(100);
    expect(failedShare(r)).toBe(0);
  });

  it('when answers are slower than the rate allows in flight, then it sheds instead of waiting', async () => {
    const r = await openLoop({ rps: 200, seconds: 0.5, maxInFlight: 5, call: after(100, 200) });
    expect(r.peak_in_flight).toBe(5);
    expect(r.shed_by_client).toBeGreaterThan(50);
    expect(r.sent + r.shed_by_client).toBe(100);
    expect(failedShare(r)).toBeCloseTo(r.shed_by_client / 100);
  });

  it('when the server refuses, then 429 and 503 are timed apart from the admitted answers', async () => {
    const answers: Outcome[] = [200, 429, 503, 'timeout'];
    let n = 0;
    const call = () => Promise.resolve(answers[n++ % answers.length]!);
    const r = await openLoop({ rps: 100, seconds: 0.4, maxInFlight: 40, call });
    expect(r.outcomes).toEqual({ 200: 10, 429: 10, 503: 10, timeout: 10 });
    expect(refusedCount(r)).toBe(20);
    expect(r.refused.n).toBe(20);
    expect(r.admitted.n).toBe(10);
  });

  it('when the schedule ends, then onScheduleEnd runs before the last answers are in', async () => {
    const events: string[] = [];
    await openLoop({
      rps: 50,
      seconds: 0.1,
      maxInFlight: 10,
      call: async () => {
        await after(200, 200)();
        events.push('answer');
        return 200;
      },
      onScheduleEnd: () => events.push('end'),
    });
    expect(events[0]).toBe('end');
  });
});
