import { describe, expect, it } from 'vitest';
import { retryUntilReady } from './retry-until-ready.ts';

/** Fails `failures` times, then answers 'up'. */
function flaky(failures: number) {
  let n = 0;
  return async () => {
    n += 1;
    if (n <= failures) throw new Error(`not yet (${n})`);
    return 'up';
  };
}

function recordingLog() {
  const warnings: { attempt: number; msg: string }[] = [];
  return {
    warnings,
    log: {
      warn: (obj: object, msg: string) => void warnings.push({ attempt: (obj as { attempt: number }).attempt, msg }),
    },
  };
}

describe('retryUntilReady', () => {
  it('when the other side answers after some failures, then its answer is returned and only the first and every 20th failure warn', async () => {
    const { warnings, log } = recordingLog();
    expect(await retryUntilReady({ what: 'registry sync', attempt: flaky(45), intervalMs: 0, log })).toBe('up');
    expect(warnings.map((w) => w.attempt)).toEqual([1, 21, 41]);
    expect(warnings[0]!.msg).toBe('registry sync: not ready yet; retrying');
  });

  it('when warnEvery is 1, then every failure warns; when it is 0, none does', async () => {
    const every = recordingLog();
    await retryUntilReady({ what: 'x', attempt: flaky(3), intervalMs: 0, warnEvery: 1, log: every.log });
    expect(every.warnings).toHaveLength(3);
    const never = recordingLog();
    await retryUntilReady({ what: 'x', attempt: flaky(3), intervalMs: 0, warnEvery: 0, log: never.log });
    expect(never.warnings).toHaveLength(0);
  });

  it('when maxAttempts runs out, then the last failure is thrown after pauses that follow the attempt number', async () => {
    const pauses: number[] = [];
    const started = Date.now();
    await expect(
      retryUntilReady({
        what: 'x',
        attempt: flaky(10),
        maxAttempts: 3,
        warnEvery: 0,
        intervalMs: (n) => {
          pauses.push(n);
          return 5 * n;
        },
      }),
    ).rejects.toThrow('not yet (3)');
    expect(pauses).toEqual([1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(14);
  });

  it("when the signal aborts while waiting, then it stops with the signal's reason", async () => {
    const controller = new AbortController();
    let tries = 0;
    let firstTry!: () => void;
    const tried = new Promise<void>((r) => (firstTry = r));
    const waiting = retryUntilReady({
      what: 'x',
      attempt: async () => {
        tries += 1;
        firstTry();
        throw new Error('down');
      },
      intervalMs: 60_000,
      warnEvery: 0,
      signal: controller.signal,
    });
    // Aborted once the first attempt has failed, i.e. while it waits out the interval.
    await tried;
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    expect(tries).toBe(1);
  });

  it('when the signal is already aborted, then nothing is tried', async () => {
    let tries = 0;
    await expect(
      retryUntilReady({
        what: 'x',
        attempt: async () => (tries += 1),
        signal: AbortSignal.abort(new Error('stopped')),
      }),
    ).rejects.toThrow('stopped');
    expect(tries).toBe(0);
  });
});
