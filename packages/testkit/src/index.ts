// Helpers for tests only; running the platform (sidecars, control plane, brokers) is @meridian/platform.
export { serveInProcess } from './serve-in-process.ts';
export { FakeClock, MemoryStateStore, SidecarDown } from './memory-state.ts';
export { componentsFor } from './scoped-copy.ts';
export {
  fakeSidecar,
  problemAnswer,
  registryRecord,
  sidecarAnswer,
  type FakeAnswer,
  type FakeBindingCall,
  type FakeInvocation,
} from './fake-sidecar.ts';
