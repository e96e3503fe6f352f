export { daprPreset, parseEnv, EnvError, type DaprEnv } from './env.ts';
export { AppError, ErrorStatus, badRequest, fieldErrors, parseOrThrow, problemBody, sendProblem, errorHandler, type ErrorCode, type FieldError } from './errors.ts';
export { createLogger, rootLogger, requestLogger } from './logger.ts';
export { startTelemetry, currentTraceId, traceHeaders, traceRequests, type Telemetry } from './telemetry.ts';
export { DaprClient, type InvokeOptions, type SidecarResponse, type StateItem, type StateOperation } from './dapr-client.ts';
export { subscription, subscriptionRouter, type Subscription, type DeliveryResult } from './subscriptions.ts';
export { createServiceApp, runService, type ServiceDefinition, type RunningService } from './service.ts';
export { bootEnv } from './boot.ts';
