import { describe, expect, it } from 'vitest';
import {
  createSupervisor,
  type ExitInfo,
  type RestartPolicy,
  type SupervisedProcess,
  type SupervisorClock,
  type SupervisorEvent,
  type UnitKey,
} from './supervisor.ts';

class FakeProcess implements SupervisedProcess {
  running = true;
  stopRequested = false;
  killed = false;
  stopped = false;
  readonly closed: Promise<ExitInfo>;
  private end!: (exit: ExitInfo) => void;
  constructor(private readonly lines: string[]) {
    this.closed = new Promise((resolve) => (this.end = resolve));
  }
  lastLines() {
    return this.lines;
  }
  exit(exit: ExitInfo) {
    this.running = false;
    this.end(exit);
  }
  async kill() {
    this.killed = true;
    this.exit({ code: null, signal: 'SIGKILL' });
  }
  async stop() {
    this.stopped = true;
    this.stopRequested = true;
    this.exit({ code: 0, signal: null });
  }
}

/** Time moves only when the supervisor sleeps (every sleep ends at once), or when a test moves it; `hold` keeps sleeps pending. */
class ManualClock implements SupervisorClock {
  time = 0;
  hold = false;
  readonly sleeps: number[] = [];
  /** The sleeps held, each ending when the supervisor stops. */
  readonly held: Promise<void>[] = [];
  now() {
    return this.time;
  }
  sleep(ms: number, signal: AbortSignal) {
    this.sleeps.push(ms);
    if (!this.hold) {
      this.time += ms;
      return Promise.resolve();
    }
    const held = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    this.held.push(held);
    return held;
  }
}

type Outcome = 'ready' | 'exits' | 'hangs';

/** A supervisor over one unit whose restarts end as `outcomes` say (then ready). */
function setup(
  opts: {
    outcomes?: Outcome[];
    policy?: Partial<RestartPolicy>;
    restartWith?: (unit: UnitKey) => UnitKey | undefined;
  } = {},
) {
  const unit: UnitKey = { app: 'monitor', kind: 'app' };
  const clock = new ManualClock();
  const outcomes = [...(opts.outcomes ?? [])];
  const started: FakeProcess[] = [];
  const events: SupervisorEvent[] = [];
  const waiters: (() => void)[] = [];
  const supervisor = createSupervisor({
    clock,
    ...(opts.policy ? { policy: opts.policy } : {}),
    ...(opts.restartWith ? { restartWith: opts.restartWith } : {}),
    onEvent: (e) => {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
    start: (u) => {
      const proc = new FakeProcess([`start ${started.length + 1} of ${u.kind} says hi`]);
      started.push(proc);
      const outcome = outcomes.shift() ?? 'ready';
      if (outcome === 'exits') proc.exit({ code: 1, signal: null });
      const ready =
        outcome === 'ready'
          ? Promise.resolve()
          : Promise.reject(
              new Error(
                outcome === 'exits' ? 'monitor exited with code 1' : 'monitor readiness: not ready after 90000 ms',
              ),
            );
      return { process: proc, ready };
    },
  });
  const first = new FakeProcess(['listening', 'about to die']);
  supervisor.watch(unit, first);
  const count = (type: SupervisorEvent['type']) => events.filter((e) => e.type === type).length;
  /** Resolves once `n` events of `type` happened: the states the supervisor reports, no timing. */
  const until = async (type: SupervisorEvent['type'], n = 1) => {
    while (count(type) < n) {
      if (type !== 'gave-up' && count('gave-up') > 0)
        throw new Error(`gave up waiting for ${type}: ${JSON.stringify(events)}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const current = () => started.at(-1) ?? first;
  return { unit, clock, supervisor, first, started, events, until, count, current };
}

describe('supervisor', () => {
  it('when a ready process is killed, then it is reported with its exit and last lines, restarted after 0.5 s and counted', async () => {
    const t = setup();
    expect(t.supervisor.status(t.unit)).toEqual({ running: true, state: 'up', restarts: 0, lastExit: null });
    t.first.exit({ code: null, signal: 'SIGKILL' });
    await t.until('restarted');
    expect(t.events[0]).toEqual({
      type: 'exited',
      unit: t.unit,
      name: 'monitor',
      exit: { code: null, signal: 'SIGKILL' },
      lastLines: ['listening', 'about to die'],
      restartInMs: 500,
    });
    expect(t.events[1]).toMatchObject({ type: 'restarted', name: 'monitor', restarts: 1, exit: { signal: 'SIGKILL' } });
    expect(t.clock.sleeps).toEqual([500]);
    expect(t.supervisor.status(t.unit)).toEqual({
      running: true,
      state: 'up',
      restarts: 1,
      lastExit: { code: null, signal: 'SIGKILL' },
    });
  });

  it('when restarts keep failing, then the wait doubles from 0.5 s and after 5 failed starts in a row it gives up with the last lines', async () => {
    const t = setup({ outcomes: ['exits', 'exits', 'exits', 'exits', 'exits'] });
    t.first.exit({ code: 1, signal: null });
    await t.until('gave-up');
    expect(t.clock.sleeps).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(t.count('restart-failed')).toBe(4);
    expect(t.events.at(-1)).toEqual({
      type: 'gave-up',
      unit: t.unit,
      name: 'monitor',
      reason: 'monitor exited with code 1',
      lastLines: ['start 5 of app says hi'],
      failedStarts: 5,
    });
    expect(t.supervisor.status(t.unit)).toEqual({
      running: false,
      state: 'failed',
      restarts: 5,
      lastExit: { code: 1, signal: null },
    });
  });

  it('when the wait keeps doubling, then it stops at 30 s', async () => {
    const t = setup({ outcomes: Array<Outcome>(8).fill('exits'), policy: { maxFailedStarts: 9 } });
    t.first.exit({ code: 1, signal: null });
    await t.until('restarted');
    expect(t.clock.sleeps).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('when a restart becomes ready, then failed starts count from zero again and it is never given up', async () => {
    const t = setup({
      outcomes: ['exits', 'exits', 'exits', 'exits', 'ready', 'exits', 'exits', 'exits', 'exits', 'ready'],
    });
    t.first.exit({ code: 1, signal: null });
    await t.until('restarted');
    t.current().exit({ code: 1, signal: null });
    await t.until('restarted', 2);
    expect(t.count('gave-up')).toBe(0);
    expect(t.supervisor.status(t.unit)).toMatchObject({ state: 'up', restarts: 10 });
  });

  it('when a process stayed up for the stable period before dying, then it waits 0.5 s again; when it dies sooner, the wait doubles', async () => {
    const t = setup();
    t.first.exit({ code: 1, signal: null });
    await t.until('restarted');
    t.current().exit({ code: 1, signal: null });
    await t.until('restarted', 2);
    t.clock.time += 30_000;
    t.current().exit({ code: 1, signal: null });
    await t.until('restarted', 3);
    expect(t.clock.sleeps).toEqual([500, 1000, 500]);
  });

  it('when a restart is not ready in time, then that process is killed before the next try', async () => {
    const t = setup({ outcomes: ['hangs'] });
    t.first.exit({ code: 1, signal: null });
    await t.until('restarted');
    expect(t.started[0]!.killed).toBe(true);
    expect(t.events.find((e) => e.type === 'restart-failed')).toMatchObject({
      reason: 'monitor readiness: not ready after 90000 ms',
      failedStarts: 1,
      restartInMs: 1000,
    });
    expect(t.started).toHaveLength(2);
  });

  it('when stopped, then a pending restart never starts', async () => {
    const t = setup();
    t.clock.hold = true;
    t.first.exit({ code: null, signal: 'SIGKILL' });
    await t.until('exited');
    t.supervisor.stop();
    // The supervisor awaited this sleep first, so it has gone on from it by the time we do.
    await t.clock.held[0];
    expect(t.started).toHaveLength(0);
    expect(t.supervisor.status(t.unit)).toMatchObject({ running: false, state: 'waiting', restarts: 0 });
  });

  it('when a process is stopped by its owner, then its exit is not a crash', async () => {
    const t = setup();
    t.first.stopRequested = true;
    t.first.exit({ code: 0, signal: null });
    await t.first.closed;
    const replacement = new FakeProcess([]);
    t.supervisor.watch(t.unit, replacement);
    replacement.exit({ code: 1, signal: null });
    await t.until('restarted');
    expect(t.events.map((e) => e.type)).toEqual(['exited', 'restarted']);
    expect(t.events[0]).toMatchObject({ exit: { code: 1 } });
  });

  it('when a sidecar whose app must restart with it is back, then its app, still running, is stopped and restarted after it', async () => {
    const sidecar: UnitKey = { app: 'monitor', kind: 'sidecar' };
    const t = setup({ restartWith: (u) => (u.kind === 'sidecar' ? { app: u.app, kind: 'app' } : undefined) });
    const daprd = new FakeProcess(['sidecar up']);
    t.supervisor.watch(sidecar, daprd);
    daprd.exit({ code: null, signal: 'SIGKILL' });
    await t.until('restarted', 2);
    expect(t.events.map((e) => [e.type, e.name])).toEqual([
      ['exited', 'monitor:dapr'],
      ['restarted', 'monitor:dapr'],
      ['restarted', 'monitor'],
    ]);
    expect(t.events[2]).toMatchObject({ with: 'monitor:dapr', restarts: 1 });
    expect(t.first.stopped).toBe(true);
    expect(t.started.map((p) => p.lastLines()[0])).toEqual(['start 1 of sidecar says hi', 'start 2 of app says hi']);
    expect(t.supervisor.status(t.unit)).toMatchObject({ running: true, state: 'up', restarts: 1 });
  });
});
