import { stringify } from 'yaml';
import type { AppSpec } from './apps.ts';
import { scopedComponents } from './component-scopes.ts';
import { appConfiguration, widenedOperations } from './dapr-configuration.ts';
import { BINDING_FOLDERS, PROFILES, KINDS } from './stack.ts';

const HEADER = '# Generated from apps/apps.json by `npm run gen`; edit that file, not this one.\n';
const yaml = (doc: unknown) => HEADER + stringify(doc, { lineWidth: 0 });

function daprRunFile(apps: AppSpec[]) {
  // `dapr run -f .` runs the apps from .meridian/ (created by `npm run prepare-run`),
  // where the relative paths in component YAML land. Pub/sub uses the Redis
  // that `dapr init` installs, since the CLI cannot start our embedded broker.
  // Every daprd and app takes DAPR_API_TOKEN and APP_API_TOKEN from the
  // environment `dapr run` is started in (prepare-run writes them to .meridian/run.env).
  const choices = { ...PROFILES.local, pubsub: 'redis' } as Record<string, string>;
  return {
    version: 1,
    common: {
      resourcesPaths: [
        ...KINDS.map((k) => `./components/${k}/${choices[k]}`),
        ...BINDING_FOLDERS.map((b) => `./components/${b}`),
        './configuration/resiliency',
      ],
      env: { MODEL_REPOSITORY: 'models' },
    },
    apps: apps.map((a) => ({
      appID: a.id,
      appDirPath: './.meridian',
      appPort: a.port,
      configFilePath: `../configuration/apps/${a.id}.yaml`,
      command: ['node', '--import', 'tsx', `../${a.entry}`],
      env: { APP_ID: a.id, APP_PORT: a.port },
    })),
  };
}

function tyeFile(apps: AppSpec[]) {
  return {
    name: 'meridian',
    extensions: [{ name: 'dapr', 'log-level': 'warn', 'components-path': './components/state/sqlite' }],
    services: apps.map((a) => ({
      name: a.id,
      executable: 'node',
      args: `--import tsx ${a.entry}`,
      'working-directory': '.',
      bindings: [{ port: a.port, protocol: 'http' }],
      env: [
        { name: 'APP_ID', value: a.id },
        { name: 'APP_PORT', value: `${a.port}` },
      ],
    })),
  };
}

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

/** Every file derived from the app list, keyed by path relative to the repository root. */
export function generatedFiles(apps: AppSpec[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const app of apps) {
    const widened = widenedOperations(app);
    const note = widened.length
      ? `# Dapr's ACL applies an operation to every path below it, so:\n${widened.map((w) => `#   ${w}\n`).join('')}`
      : '';
    files.set(
      `configuration/apps/${app.id}.yaml`,
      HEADER + note + stringify(appConfiguration(app, { selfHosted: true }), { lineWidth: 0 }),
    );
    files.set(`deploy/base/${app.id}.yaml`, k8sApp(app));
  }
  files.set(
    'deploy/base/kustomization.yaml',
    yaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: 'default',
      resources: apps.map((a) => `${a.id}.yaml`),
    }),
  );
  for (const [path, content] of scopedComponents(apps)) files.set(path, content);
  files.set('dapr.yaml', yaml(daprRunFile(apps)));
  files.set('tye.yaml', yaml(tyeFile(apps)));
  return files;
}
