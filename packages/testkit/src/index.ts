// Helpers for tests only; running the platform (sidecars, control plane, brokers) is @meridian/platform.
export { serveInProcess } from './serve-in-process.ts';
export { closeAfterEach, inProcessEnv, servedApp, type CallAnswer, type ServedApp } from './served-app.ts';
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
export { rawRequest, type RawAnswer } from './raw-request.ts';
export { oipGrpcClient, type GrpcAnswer, type GrpcFailure, type OipGrpcClient } from './oip-grpc-client.ts';
