import type { MemoryStateStore } from '@meridian/testkit';
import { StateAuditStore } from '../adapters/state-audit-store.ts';
import { StateCounterStore } from '../adapters/state-counter-store.ts';
import type { AuditStore, CounterStore } from '../domain/ports.ts';

/** The counter port over the real adapter and a memory state store (pass one store to several limiters for replicas). */
export function memoryCounterStore(state: MemoryStateStore): CounterStore {
  return new StateCounterStore({ dapr: state, store: 'statestore', backoffMs: 0 });
}

/** The audit port over the real adapter and a memory state store. */
export function memoryAuditStore(state: MemoryStateStore): AuditStore {
  return new StateAuditStore({ dapr: state, store: 'statestore', backoffMs: 0 });
}

export { FakeClock, MemoryStateStore } from '@meridian/testkit';
