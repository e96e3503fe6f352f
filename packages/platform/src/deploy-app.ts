import type { AppSpec } from './apps.ts';
import { appConfiguration } from './dapr-configuration.ts';
import { profileOf } from './deploy-profiles.ts';
import { labelsOf, NAMESPACE } from './deploy-shared.ts';
import { deployment, sidecarReadsSecrets } from './deploy-workloads.ts';

/** Dapr's mTLS identity on Kubernetes is namespace + service account: one account per app. */
const serviceAccount = (app: AppSpec) => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: app.id, labels: labelsOf(app) },
  automountServiceAccountToken: false,
});

/** Read access to exactly the Secrets the app may read through its secret store, nothing else. */
function secretReader(app: AppSpec) {
  const name = `${app.id}-secret-reader`;
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, labels: labelsOf(app) },
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: app.dapr.secrets, verbs: ['get'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, labels: labelsOf(app) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: app.id, namespace: NAMESPACE }],
    },
  ];
}

/** One pod at a time may be evicted: with one replica a drain still proceeds, with more one stays up. */
const disruptionBudget = (app: AppSpec) => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: app.id, labels: labelsOf(app) },
  spec: {
    maxUnavailable: 1,
    unhealthyPodEvictionPolicy: 'AlwaysAllow',
    selector: { matchLabels: labelsOf(app) },
  },
});

/** Only the public edge gets a Service: the others are reached through Dapr's own <app-id>-dapr Services. */
const service = (app: AppSpec) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: app.id, labels: labelsOf(app) },
  spec: {
    type: 'ClusterIP',
    selector: labelsOf(app),
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
  },
});

/** Everything deploy/base/<app>.yaml holds for one app, in apply order. */
export function appManifests(app: AppSpec): unknown[] {
  const profile = profileOf(app);
  return [
    serviceAccount(app),
    ...(sidecarReadsSecrets(app) && app.dapr.secrets.length ? secretReader(app) : []),
    appConfiguration(app, { selfHosted: false, namespace: NAMESPACE }),
    deployment(app),
    disruptionBudget(app),
    ...(profile.publicEdge ? [service(app)] : []),
  ];
}
