import { setTimeout as delay } from 'node:timers/promises';

/** How a process ended: its exit code, or the signal that killed it. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One supervised process: an app, or the daprd beside it. */
export interface UnitKey {
  app: string;
  kind: 'app' | 'sidecar';
}

/** What the supervisor needs of a process; a ManagedProcess has it all. */
export interface SupervisedProcess {
  /** Resolves once it ended and its last lines are read. */
  readonly closed: Promise<ExitInfo>;
  readonly running: boolean;
  /** Its end was asked for (a stop or a restart by its owner): not a crash. */
  readonly stopRequested: boolean;
  lastLines(n?: number): string[];
  /** An asked-for end (stopRequested): used to restart a healthy process with its partner. */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface RestartPolicy {
  /** Wait before the first restart; it doubles for each restart that follows too soon. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A process that stayed up this long before it died waits initialDelayMs again. */
  stableAfterMs: number;
  /** Restarts in a row that never became ready, after which the process is given up. */
  maxFailedStarts: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 30_000,
  maxFailedStarts: 5,
};

export interface ProcessStatus {
  running: boolean;
  /** up; waiting to restart; starting (restarted, not ready yet); failed (given up); down (stopped, or exited unsupervised). */
  state: 'up' | 'waiting' | 'starting' | 'failed' | 'down';
  restarts: number;
  lastExit: ExitInfo | null;
}

interface Named {
  unit: UnitKey;
  /** The process's log name: "monitor" or "monitor:dapr". */
  name: string;
}
export type SupervisorEvent = Named &
  (
    | { type: 'exited'; exit: ExitInfo; lastLines: string[]; restartInMs: number }
    | { type: 'restarted'; restarts: number; exit: ExitInfo | null; with?: string }
    | { type: 'restart-failed'; reason: string; lastLines: string[]; failedStarts: number; restartInMs: number }
    | { type: 'gave-up'; reason: string; lastLines: string[]; failedStarts: number }
  );

export interface SupervisorClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const realClock: SupervisorClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
};

export interface SupervisorOptions {
  /** Starts the unit's process again (same ports, same env): the process at once, `ready` once it serves again. */
  start: (unit: UnitKey) => { process: SupervisedProcess; ready: Promise<void> };
  onEvent?: (event: SupervisorEvent) => void;
  /** A unit to restart too, alive or not, once this one is back (it cannot work with the new one otherwise). */
  restartWith?: (unit: UnitKey) => UnitKey | undefined;
  policy?: Partial<RestartPolicy>;
  clock?: SupervisorClock;
}

export interface Supervisor {
  /** Watches a process that is up and ready: the platform's first ones, or one its owner replaced. */
  watch(unit: UnitKey, process: SupervisedProcess): void;
  status(unit: UnitKey): ProcessStatus | undefined;
  /** No restart starts after this; one being started is left to its owner's stop. */
  stop(): void;
}

export const unitName = (unit: UnitKey) => (unit.kind === 'sidecar' ? `${unit.app}:dapr` : unit.app);

interface UnitState extends Named {
  process: SupervisedProcess;
  state: ProcessStatus['state'];
  restarts: number;
  failedStarts: number;
  backoffStep: number;
  upSince: number;
  lastExit: ExitInfo | null;
}

/**
 * Restarts a supervised process that dies on its own, with exponential backoff
 * (reset once it has stayed up a while), and gives it up after a number of
 * restarts in a row that never became ready.
 */
export function createSupervisor(opts: SupervisorOptions): Supervisor {
  const policy = { ...DEFAULT_RESTART_POLICY, ...opts.policy };
  const clock = opts.clock ?? realClock;
  const units = new Map<string, UnitState>();
  const stopping = new AbortController();
  const stopped = () => stopping.signal.aborted;
  const emit = (event: SupervisorEvent) => opts.onEvent?.(event);
  const nextDelay = (s: UnitState) => Math.min(policy.initialDelayMs * 2 ** s.backoffStep++, policy.maxDelayMs);

  function follow(s: UnitState, proc: SupervisedProcess): void {
    Object.assign(s, { process: proc, state: 'up', upSince: clock.now() });
    void proc.closed.then((exit) => {
      if (stopped() || proc.stopRequested || s.process !== proc) return;
      void recover(s, exit);
    });
  }

  async function recover(s: UnitState, exit: ExitInfo): Promise<void> {
    s.lastExit = exit;
    if (clock.now() - s.upSince >= policy.stableAfterMs) s.backoffStep = 0;
    let restartInMs = nextDelay(s);
    emit({ type: 'exited', unit: s.unit, name: s.name, exit, lastLines: s.process.lastLines(), restartInMs });
    for (;;) {
      s.state = 'waiting';
      await clock.sleep(restartInMs, stopping.signal);
      if (stopped()) return;
      s.state = 'starting';
      s.restarts++;
      const failure = await attempt(s);
      if (stopped()) return;
      if (!failure) {
        s.failedStarts = 0;
        follow(s, s.process);
        emit({ type: 'restarted', unit: s.unit, name: s.name, restarts: s.restarts, exit: s.lastExit });
        const partner = opts.restartWith?.(s.unit);
        if (partner) await restartWith(units.get(unitName(partner)), s.name);
        return;
      }
      s.failedStarts++;
      const lastLines = s.process.lastLines();
      if (s.failedStarts >= policy.maxFailedStarts) {
        s.state = 'failed';
        emit({ type: 'gave-up', unit: s.unit, name: s.name, reason: failure, lastLines, failedStarts: s.failedStarts });
        return;
      }
      restartInMs = nextDelay(s);
      emit({
        type: 'restart-failed',
        unit: s.unit,
        name: s.name,
        reason: failure,
        lastLines,
        failedStarts: s.failedStarts,
        restartInMs,
      });
    }
  }

  /** Restarts an up partner of `cause`; one recovering already starts against the new `cause` anyway. */
  async function restartWith(p: UnitState | undefined, cause: string): Promise<void> {
    if (p?.state !== 'up' || stopped()) return;
    p.state = 'starting';
    p.restarts++;
    await p.process.stop();
    const failure = stopped() ? 'stopped' : await attempt(p);
    if (stopped()) return;
    if (failure) return void recover(p, p.lastExit ?? { code: null, signal: null });
    follow(p, p.process);
    emit({ type: 'restarted', unit: p.unit, name: p.name, restarts: p.restarts, exit: p.lastExit, with: cause });
  }

  /** One restart: undefined once ready, else why not. */
  async function attempt(s: UnitState): Promise<string | undefined> {
    let started: ReturnType<SupervisorOptions['start']>;
    try {
      started = opts.start(s.unit);
    } catch (err) {
      return (err as Error).message;
    }
    s.process = started.process;
    try {
      await started.ready;
      return undefined;
    } catch (err) {
      if (stopped()) return 'stopped';
      // Not ready in time while still running: it must make room (ports) for the next try.
      if (started.process.running) await started.process.kill();
      s.lastExit = await started.process.closed;
      return (err as Error).message;
    }
  }

  return {
    watch(unit, proc) {
      const name = unitName(unit);
      const s = units.get(name) ?? {
        unit,
        name,
        process: proc,
        state: 'up',
        restarts: 0,
        failedStarts: 0,
        backoffStep: 0,
        upSince: 0,
        lastExit: null,
      };
      units.set(name, s);
      follow(s, proc);
    },
    status(unit) {
      const s = units.get(unitName(unit));
      // An asked-for end (a stop) leaves a unit 'up' for the supervisor, and down for anyone asking.
      return (
        s && {
          running: s.process.running,
          state: s.state === 'up' && !s.process.running ? 'down' : s.state,
          restarts: s.restarts,
          lastExit: s.lastExit,
        }
      );
    },
    stop() {
      stopping.abort();
    },
  };
}
