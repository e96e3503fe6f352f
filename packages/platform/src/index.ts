// Everything needed to run the platform: the Dapr control plane, sidecars, managed and supervised
// processes, stacks, generated components and configurations, brokers, and the dev token, secrets and models.
export { allocatePorts, claimPort, FETCH_BAD_PORTS, isPortFree, PORT_CLAIMS_DIR, reservePorts } from './ports.ts';
export { ManagedProcess, type ProcessOptions } from './managed-process.ts';
export { waitFor, httpOk } from './wait.ts';
export { repoRoot, repoPath } from './paths.ts';
export { daprBinDir } from './dapr-bin.ts';
export {
  CONTROL_PLANE_TRUST_DOMAIN,
  startControlPlane,
  type ControlPlane,
  type ControlPlaneInfo,
} from './control-plane.ts';
export { identityToken, appSpiffeId } from './sidecar-identity.ts';
export { startSidecar, sidecarPorts, SIDECAR_PORT_COUNT, type SidecarPorts } from './sidecar.ts';
export { loadApps, callersOf, AppSpec } from './apps.ts';
export {
  compileAcl,
  daprAclAllows,
  daprPattern,
  parseOperation,
  type AclOperation,
  type Operation,
} from './dapr-acl.ts';
export { resolveStack, resourcePaths, usesEmbeddedBroker, PROFILES, KINDS, type Stack, type Kind } from './stack.ts';
export { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.ts';
export { ensureDevSecrets, rotateDevSigningKey } from './dev-secrets.ts';
export { devBaseline, ensureDevModels, ensureWindowedModel } from './dev-models.ts';
export { startPlatform, type PlatformOptions } from './platform.ts';
export { appBundle, bundlePath } from './app-bundle.ts';
export type { Platform } from './platform-handle.ts';
export type { RunningApp } from './running-app.ts';
export {
  createSupervisor,
  unitName,
  DEFAULT_RESTART_POLICY,
  type Supervisor,
  type SupervisorEvent,
  type SupervisorOptions,
  type SupervisedProcess,
  type SupervisorClock,
  type RestartPolicy,
  type ProcessStatus,
  type ExitInfo,
  type UnitKey,
} from './supervisor.ts';
export { generatedFiles } from './generate.ts';
export { signDevToken } from './dev-token.ts';
export { startKafkaBroker, kafkaBrokerBin, type KafkaBroker } from './kafka-broker.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
export { pubsubProxy, type PubsubProxy } from './broker-proxy.ts';
export { appTopics, ensureJetStreamStreams, jetStreamUrl, streamName } from './jetstream-streams.ts';
export { connectNats, type NatsRequester } from './nats-requester.ts';
export {
  describePlatform,
  launcherAlive,
  operationsFor,
  outsideConfiguration,
  platformStateFile,
  PlatformState,
  readPlatformState,
  removePlatformState,
  startOutsideSidecar,
  waitOutsideSidecar,
  writePlatformState,
  type OutsideSidecar,
} from './outside-sidecar.ts';
export { startObservability, type Observability, type ObservabilityPorts } from './observability/observability.ts';
export { startJaeger, type Jaeger } from './observability/jaeger.ts';
export { jaegerConfig, JAEGER_MAX_TRACES, type JaegerPorts } from './observability/jaeger-config.ts';
export { startPrometheus, type Prometheus } from './observability/prometheus.ts';
export {
  prometheusConfig,
  DEFAULT_SCRAPE_INTERVAL_SECONDS,
  type ScrapeTarget,
} from './observability/prometheus-config.ts';
export { scrapeTargets } from './observability/scrape-targets.ts';
export {
  alertRules,
  alertRulesYaml,
  type AlertingRule,
  type RecordingRule,
  type RuleGroup,
} from './observability/alert-rules.ts';
export { toolBin } from './observability/tool-bin.ts';
