import type { AppSpec } from './apps.ts';
import { daprdGoEnv } from './daprd-env.ts';
import { profileOf } from './deploy-profiles.ts';
import { DAPR_METRICS_PORT, imageOf, labelsOf, RUN_AS, tokenSecrets } from './deploy-shared.ts';

/** Where daprd finds a service-account token for the Kubernetes API (client-go's in-cluster path). */
const KUBE_API_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
const KUBE_API_VOLUME = 'kube-api-access-daprd';

/**
 * Only a sidecar that loads the `secretstore` component (type
 * secretstores.kubernetes) talks to the Kubernetes API. Components' own
 * secretKeyRefs are resolved by the Dapr operator (auth.secretStore: kubernetes).
 */
export const sidecarReadsSecrets = (app: AppSpec) => app.dapr.components.includes('secretstore');

function daprAnnotations(app: AppSpec): Record<string, string> {
  const { sidecar } = profileOf(app);
  const tokens = tokenSecrets(app);
  return {
    'dapr.io/enabled': 'true',
    'dapr.io/app-id': app.id,
    'dapr.io/app-port': `${app.port}`,
    'dapr.io/app-protocol': 'http',
    'dapr.io/config': app.id,
    // The sidecar requires the app's API token and sends the app token (docs/security.md).
    'dapr.io/api-token-secret': tokens.daprApi,
    'dapr.io/app-token-secret': tokens.appApi,
    'dapr.io/log-as-json': 'true',
    'dapr.io/log-level': 'info',
    'dapr.io/enable-metrics': 'true',
    'dapr.io/metrics-port': `${DAPR_METRICS_PORT}`,
    'dapr.io/sidecar-cpu-request': sidecar.requests.cpu,
    'dapr.io/sidecar-cpu-limit': sidecar.limits.cpu,
    'dapr.io/sidecar-memory-request': sidecar.requests.memory,
    'dapr.io/sidecar-memory-limit': sidecar.limits.memory,
    // The collector's settings, as every local daprd gets them (daprd-env.ts).
    'dapr.io/env': Object.entries(daprdGoEnv(sidecar.limits.memory))
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    // The Dapr HTTP/gRPC API answers inside the pod only; other sidecars use the internal gRPC port.
    'dapr.io/sidecar-listen-addresses': '[::1],127.0.0.1',
    'dapr.io/sidecar-seccomp-profile-type': 'RuntimeDefault',
    // The built-in `kubernetes` store would hand out every Secret in the namespace, outside the secret scopes.
    'dapr.io/disable-builtin-k8s-secret-store': 'true',
    'dapr.io/enable-app-health-check': 'true',
    'dapr.io/app-health-check-path': '/healthz',
    'dapr.io/graceful-shutdown-seconds': '15',
    ...(sidecarReadsSecrets(app) ? { 'dapr.io/volume-mounts': `${KUBE_API_VOLUME}:${KUBE_API_MOUNT}` } : {}),
  };
}

/** The API token for daprd alone: the pod mounts none by default, so the app container never holds one. */
const kubeApiVolume = {
  name: KUBE_API_VOLUME,
  projected: {
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

function appContainer(app: AppSpec) {
  const profile = profileOf(app);
  const tokens = tokenSecrets(app);
  const secretEnv = (name: string, secret: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: secret, key: 'token' } },
  });
  const probe = (path: string, o: { period: number; failures: number }) => ({
    httpGet: { path, port: 'http' },
    periodSeconds: o.period,
    timeoutSeconds: 3,
    failureThreshold: o.failures,
  });
  return {
    name: app.id,
    image: imageOf(app),
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: app.port, protocol: 'TCP' }],
    env: [
      { name: 'APP_ID', value: app.id },
      { name: 'APP_PORT', value: `${app.port}` },
      // Probes come from the kubelet on the node, so the app listens on the pod's address;
      // NetworkPolicies keep everyone else off this port (docs/kubernetes.md).
      { name: 'APP_HOST', value: '0.0.0.0' },
      secretEnv('DAPR_API_TOKEN', tokens.daprApi),
      secretEnv('APP_API_TOKEN', tokens.appApi),
      ...profile.dirs.map((d) => ({ name: d.env, value: d.path })),
    ],
    resources: profile.app,
    // Up (liveness) and ready for traffic (readiness: its sidecar is healthy too); startup allows a slow first load.
    startupProbe: probe('/healthz', { period: 2, failures: 60 }),
    livenessProbe: probe('/healthz', { period: 10, failures: 3 }),
    readinessProbe: probe('/readyz', { period: 5, failures: 3 }),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      ...profile.dirs.map((d) => ({ name: d.volume, mountPath: d.path })),
    ],
  };
}

export function deployment(app: AppSpec) {
  const labels = labelsOf(app);
  const profile = profileOf(app);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app.id, labels },
    spec: {
      // No replicas: overlays set them, or leave them to the autoscaler.
      revisionHistoryLimit: 5,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: daprAnnotations(app) },
        spec: {
          serviceAccountName: app.id,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            fsGroup: RUN_AS,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [appContainer(app)],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
            ...profile.dirs.map((d) => ({ name: d.volume, emptyDir: { sizeLimit: '2Gi' } })),
            ...(sidecarReadsSecrets(app) ? [kubeApiVolume] : []),
          ],
        },
      },
    },
  };
}
