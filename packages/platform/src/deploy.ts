import { stringify } from 'yaml';
import type { AppSpec } from './apps.ts';
import { appConfiguration } from './dapr-configuration.ts';

const HEADER = '# Generated from apps/apps.json by `npm run gen`; edit that file, not this one.\n';
const yaml = (doc: unknown) => HEADER + stringify(doc, { lineWidth: 0 });

function k8sApp(app: AppSpec) {
  const labels = { 'app.kubernetes.io/name': app.id, 'app.kubernetes.io/part-of': 'meridian' };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app.id, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels,
          annotations: {
            'dapr.io/enabled': 'true',
            'dapr.io/app-id': app.id,
            'dapr.io/app-port': `${app.port}`,
            'dapr.io/config': app.id,
            'dapr.io/enable-metrics': 'true',
            // The sidecar requires the app's API token and sends the app token (Secrets created per install, see docs/security.md).
            'dapr.io/api-token-secret': `${app.id}-dapr-api-token`,
            'dapr.io/app-token-secret': `${app.id}-app-api-token`,
          },
        },
        spec: {
          containers: [
            {
              name: app.id,
              image: `meridian/${app.id}:latest`,
              ports: [{ containerPort: app.port }],
              env: [
                { name: 'APP_ID', value: app.id },
                { name: 'APP_PORT', value: `${app.port}` },
                { name: 'APP_HOST', value: '0.0.0.0' },
                {
                  name: 'DAPR_API_TOKEN',
                  valueFrom: { secretKeyRef: { name: `${app.id}-dapr-api-token`, key: 'token' } },
                },
                {
                  name: 'APP_API_TOKEN',
                  valueFrom: { secretKeyRef: { name: `${app.id}-app-api-token`, key: 'token' } },
                },
              ],
              readinessProbe: { httpGet: { path: '/readyz', port: app.port } },
              livenessProbe: { httpGet: { path: '/healthz', port: app.port } },
            },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app.id, labels },
    spec: { selector: labels, ports: [{ port: 80, targetPort: app.port }] },
  };
  return (
    HEADER +
    [deployment, service, appConfiguration(app, { selfHosted: false })]
      .map((d) => stringify(d, { lineWidth: 0 }))
      .join('---\n')
  );
}

/** deploy/: the Kubernetes manifests, keyed by path relative to the repository root. */
export function deployFiles(apps: AppSpec[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const app of apps) files.set(`deploy/base/${app.id}.yaml`, k8sApp(app));
  files.set(
    'deploy/base/kustomization.yaml',
    yaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: 'default',
      resources: apps.map((a) => `${a.id}.yaml`),
    }),
  );
  return files;
}
