export { daprPreset, parseEnv, EnvError, type DaprEnv } from './env.ts';
export {
  AppError,
  asAppError,
  ErrorStatus,
  badRequest,
  fieldErrors,
  parseOrThrow,
  problemBody,
  sendProblem,
  errorHandler,
  type ErrorCode,
  type FieldError,
} from './errors.ts';
export { createLogger, rootLogger, requestLogger } from './logger.ts';
export {
  PII_MARKERS,
  PII_MASK,
  createPiiMasker,
  isBuiltInPiiName,
  maskAuditRecord,
  maskPii,
  maskPiiText,
  type PiiMasker,
  type PiiMaskerOptions,
} from './pii.ts';
export {
  activeTraceContext,
  contextFromTraceparent,
  endSpan,
  linksTo,
  currentTraceId,
  inSpan,
  inTraceContext,
  startSpan,
  startTelemetry,
  traceHeaders,
  traceRequests,
  type SpanOptions,
  type Span,
  type TraceContext,
  type Telemetry,
} from './telemetry.ts';
export {
  API_TOKEN_HEADER,
  DaprClient,
  type InvokeOptions,
  sidecarResponse,
  type SidecarResponse,
  type StateItem,
  type StateOperation,
} from './dapr-client.ts';
export {
  bulkSubscription,
  subscription,
  subscriptionRouter,
  type BulkItem,
  type BulkSubscription,
  type Subscription,
  type DeliveryResult,
} from './subscriptions.ts';
export {
  createServiceApp,
  runService,
  type ServiceApp,
  type ServiceDefinition,
  type RunningService,
} from './service.ts';
export { runInOrder, type LeanLane } from './lean-lane.ts';
export { bootEnv } from './boot.ts';
export { KeyedLock } from './keyed-lock.ts';
export { canonicalJson } from './canonical-json.ts';
export { requireAppToken } from './app-token.ts';
export { callerRoles, callerSubject, CALLER_APP_HEADER, EDGE_APP_ID } from './caller.ts';
export { assertJsonDepth } from './json-depth.ts';
export { updateMany, updateOne, updateOrThrow, type StatePort, type UpdateResult } from './state-update.ts';
export { limitBoundsFrom, parseLimitBounds } from './limit-bounds.ts';
export {
  ConcurrencyLimit,
  outcomeOf,
  releaseWhenAnswered,
  systemClock,
  type ConcurrencyLimitOptions,
  type LimitBounds,
  type LimitClock,
  type LimitSnapshot,
  type Outcome,
  type Permit,
} from './concurrency-limit.ts';
export {
  CALLEE_DETAIL_CAP,
  callApp,
  callAppBytes,
  calleeFailure,
  unlessRefused,
  type AppCall,
  type InvokePort,
} from './app-client.ts';
export { retryUntilReady, type RetryLog, type RetryUntilReadyOptions } from './retry-until-ready.ts';
export { ArtifactsBinding, type BindingPort } from './artifacts.ts';
export { RegistryClient } from './clients/registry-client.ts';
export { InferenceClient } from './clients/inference-client.ts';
export { FeaturesClient } from './clients/features-client.ts';
export { ActorClient, type ActorEnvelope, type ActorRef, type ActorStateOperation } from './actor-client.ts';
export { actorHost, type ActorType } from './actor-host.ts';
export { chunksOf, mapLimit } from './map-limit.ts';
export { addCoalescerCounts, Coalescer, type CoalescerCounts, type CoalescerOptions } from './coalescer.ts';
export { packByKey, type Pack } from './pack.ts';
export { orAfter } from './or-after.ts';
export {
  appMetrics,
  createMetricsRegistry,
  metricsOf,
  type MetricsRegistry,
} from './metrics/registry.ts';
export { observeWithTrace } from './metrics/observe-with-trace.ts';
export { countWorkflowRuns, timeWorkflowSteps } from './metrics/workflow.ts';
export { GrpcCode, GrpcError, grpcStatusOf } from './grpc/status.ts';
export { frameMessage, unframeMessage, type GrpcMethods, type UnaryMethod } from './grpc/unary-server.ts';
