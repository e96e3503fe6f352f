import type { Alert, PredictionCounts, RunStatus } from '@meridian/contracts';
import type { MemoryStateStore } from '@meridian/testkit';
import { StateAuditStore } from '../adapters/state-audit-store.ts';
import { StateCounterStore } from '../adapters/state-counter-store.ts';
import type { Later } from '../domain/event-hub.ts';
import type { AuditStore, CounterStore, EventSources } from '../domain/ports.ts';

/** The counter port over the real adapter and a memory state store (pass one store to several limiters for replicas). */
export function memoryCounterStore(state: MemoryStateStore): CounterStore {
  return new StateCounterStore({ dapr: state, store: 'statestore', backoffMs: 0 });
}

/** The audit port over the real adapter and a memory state store. */
export function memoryAuditStore(state: MemoryStateStore): AuditStore {
  return new StateAuditStore({ dapr: state, store: 'statestore', backoffMs: 0 });
}

export { FakeClock, MemoryStateStore } from '@meridian/testkit';

/** Timers fired by hand: `later` queues a callback, `fire` runs those due and waits for what they started. */
export class ManualTimers {
  private pending: { ms: number; fn: () => unknown; cancelled: boolean }[] = [];

  readonly later: Later = (ms, fn) => {
    const timer = { ms, fn, cancelled: false };
    this.pending.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };

  /** The delays of the timers still waiting. */
  get waiting(): number[] {
    return this.pending.filter((t) => !t.cancelled).map((t) => t.ms);
  }

  /** Runs every waiting timer of at most `ms` (those they schedule wait for the next call), then awaits them. */
  async fire(ms: number): Promise<void> {
    const due = this.pending.filter((t) => !t.cancelled && t.ms <= ms);
    this.pending = this.pending.filter((t) => !t.cancelled && t.ms > ms);
    await Promise.all(due.map((t) => t.fn()));
  }
}

/** The monitor and training apps as the event stream reads them: set what they answer; calls are counted. */
export class FakeEventSources implements EventSources {
  alertList: Alert[] = [];
  counts: PredictionCounts = { total: 0, models: {} };
  runList: RunStatus[] = [];
  /** Sources that fail as an unreachable app would. */
  readonly down = new Set<'alerts' | 'predictions' | 'runs'>();
  readonly calls = { alerts: 0, predictions: 0, runs: 0 };

  private answer<T>(source: 'alerts' | 'predictions' | 'runs', value: T): Promise<T> {
    this.calls[source]++;
    if (this.down.has(source)) return Promise.reject(new Error(`${source} unavailable`));
    return Promise.resolve(structuredClone(value));
  }

  alerts(): Promise<Alert[]> {
    return this.answer('alerts', this.alertList);
  }

  predictions(): Promise<PredictionCounts> {
    return this.answer('predictions', this.counts);
  }

  runs(): Promise<RunStatus[]> {
    return this.answer('runs', this.runList);
  }
}

/** An alert as the monitor lists it. */
export const alertOf = (id: string): Alert => ({
  id,
  model: 'sensor-anomaly',
  version: '1',
  kind: 'drift',
  window: 1,
  evidence: {},
  run_id: `drift-${id}`,
  created_at: '2026-12-01T10:00:00.000Z',
});

/** A run as the training app lists it. */
export const runOf = (
  id: string,
  status: RunStatus['status'] = 'running',
  steps: RunStatus['steps'] = [],
): RunStatus => ({
  id,
  model: 'sensor-anomaly',
  status,
  steps,
});
