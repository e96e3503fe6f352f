import { callersOf, type AppSpec, type DaprApi } from './apps.ts';
import { compileAcl } from './dapr-acl.ts';

/** Dapr API groups and versions each building block takes, per protocol (daprd 1.18 route groups). */
const API_VERSIONS: Record<DaprApi, { http: string[]; grpc: string[] }> = {
  invoke: { http: ['v1'], grpc: ['v1'] },
  state: { http: ['v1'], grpc: ['v1'] },
  // v1alpha1 is bulk publish.
  publish: { http: ['v1', 'v1alpha1'], grpc: ['v1', 'v1alpha1'] },
  bindings: { http: ['v1'], grpc: ['v1'] },
  secrets: { http: ['v1'], grpc: ['v1'] },
  workflows: { http: ['v1', 'v1beta1'], grpc: ['v1beta1'] },
  jobs: { http: ['v1alpha1'], grpc: ['v1alpha1'] },
  actors: { http: ['v1'], grpc: ['v1'] },
  conversation: { http: ['v1alpha2'], grpc: ['v1alpha2'] },
  metadata: { http: ['v1'], grpc: ['v1'] },
};

/**
 * Only the building blocks the app uses, on both protocols. A gRPC rule must
 * always be present: with HTTP rules alone daprd leaves every gRPC API open.
 */
function apiAllowlist(app: AppSpec) {
  return app.dapr.apis.flatMap((name) =>
    (['http', 'grpc'] as const).flatMap((protocol) =>
      API_VERSIONS[name][protocol].map((version) => ({ name, version, protocol })),
    ),
  );
}

/** Secrets the app may read through the API; components still resolve their own secretKeyRefs. */
function secretScopes(app: AppSpec) {
  return [
    {
      storeName: 'secretstore',
      defaultAccess: 'deny',
      ...(app.dapr.secrets.length ? { allowedSecrets: app.dapr.secrets } : {}),
    },
  ];
}

/**
 * Per caller, only the operations (path and verb) it is listed for; everyone
 * else is denied. Checked against the caller's mTLS identity.
 */
function accessControl(app: AppSpec, namespace: string) {
  return {
    defaultAction: 'deny',
    trustDomain: 'public',
    policies: [...callersOf(app)].map(([caller, ops]) => ({
      appId: caller,
      defaultAction: 'deny',
      trustDomain: 'public',
      namespace,
      operations: compileAcl(ops).operations,
    })),
  };
}

/** Operations a caller's ACL allows beyond those listed (a shorter operation governs the longer one's path). */
export function widenedOperations(app: AppSpec): string[] {
  return [...callersOf(app)].flatMap(([caller, ops]) =>
    compileAcl(ops).widened.map((w) => `${caller}: ${w.operation} is governed by ${w.governedBy}`),
  );
}

/** Dapr's control plane as a default Kubernetes install names it (the Helm chart's defaults). */
const KUBERNETES_MTLS = {
  controlPlaneTrustDomain: 'cluster.local',
  sentryAddress: 'dapr-sentry.dapr-system.svc.cluster.local:443',
};

/**
 * Local name resolution: one SQLite file per platform, where every sidecar registers its address
 * and renews it every second (updateInterval - timeout; Dapr allows no shorter timeout). A row older than updateInterval is
 * not handed out, so a replica killed without deregistering stops getting calls within about 2.5 s
 * (2 s, plus the half second our Dapr build keeps resolved addresses: tools/dapr/build/patch-nr-sqlite.mjs;
 * Dapr's default is 5 s); the callers' retry policy covers the calls made meanwhile. Every sidecar
 * sharing the file must use these same settings.
 */
export const selfHostedNameResolution = (database: string) => ({
  component: 'sqlite',
  version: 'v1',
  configuration: { connectionString: database, updateInterval: '2s', timeout: '1s' },
});

/**
 * An app's Configuration. Self-hosted: SQLite name resolution, callers in
 * namespace "default". Kubernetes (`selfHosted: false`): the mTLS fields
 * Dapr 1.18's CRD requires, and callers in `namespace` (default "default").
 * With `tracing`, daprd exports every span over OTLP gRPC (plain, on loopback) to that collector.
 */
export function appConfiguration(
  app: AppSpec,
  opts: { selfHosted: boolean; namespace?: string; tracing?: { otlpGrpcAddress: string } },
) {
  return {
    apiVersion: 'dapr.io/v1alpha1',
    kind: 'Configuration',
    metadata: { name: app.id },
    spec: {
      mtls: { enabled: true, ...(opts.selfHosted ? {} : KUBERNETES_MTLS) },
      tracing: {
        samplingRate: '1',
        ...(opts.tracing
          ? { otel: { endpointAddress: opts.tracing.otlpGrpcAddress, isSecure: false, protocol: 'grpc' } }
          : {}),
      },
      metric: { enabled: true },
      ...(opts.selfHosted ? { nameResolution: selfHostedNameResolution('nr.db') } : {}),
      api: { allowed: apiAllowlist(app) },
      secrets: { scopes: secretScopes(app) },
      accessControl: accessControl(app, opts.selfHosted ? 'default' : (opts.namespace ?? 'default')),
      // Actor state keys with ttlInSeconds (message retention) need this preview feature in 1.18.
      ...(app.dapr.apis.includes('actors') ? { features: [{ name: 'ActorStateTTL', enabled: true }] } : {}),
    },
  };
}
