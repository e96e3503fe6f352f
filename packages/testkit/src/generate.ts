import { stringify } from 'yaml';
import type { AppSpec } from './apps.ts';
import { BINDING_FOLDERS, PROFILES, KINDS } from './stack.ts';

const HEADER = '# Generated from apps/apps.json by `npm run gen`; edit that file, not this one.\n';
const yaml = (doc: unknown) => HEADER + stringify(doc, { lineWidth: 0 });

/** Only the listed callers may invoke an app; everything else is denied (checked against mTLS identities). */
function accessControl(app: AppSpec) {
  return {
    defaultAction: 'deny',
    trustDomain: 'public',
    policies: app.callers.map((caller) => ({ appId: caller, defaultAction: 'allow', trustDomain: 'public', namespace: 'default' })),
  };
}

function appConfiguration(app: AppSpec, opts: { selfHosted: boolean }) {
  return {
    apiVersion: 'dapr.io/v1alpha1',
    kind: 'Configuration',
    metadata: { name: app.id },
    spec: {
      mtls: { enabled: true },
      tracing: { samplingRate: '1' },
      metric: { enabled: true },
      ...(opts.selfHosted
        ? { nameResolution: { component: 'sqlite', version: 'v1', configuration: { connectionString: 'nr.db' } } }
        : {}),
      accessControl: accessControl(app),
    },
  };
}

function daprRunFile(apps: AppSpec[]) {
  // `dapr run -f .` runs the apps from .meridian/ (created by `npm run prepare`),
  // where the relative paths in component YAML land. Pub/sub uses the Redis
  // that `dapr init` installs, since the CLI cannot start our embedded broker.
  const choices = { ...PROFILES.local, pubsub: 'redis' } as Record<string, string>;
  return {
    version: 1,
    common: {
      resourcesPaths: [...KINDS.map((k) => `./components/${k}/${choices[k]}`), ...BINDING_FOLDERS.map((b) => `./components/${b}`), './configuration/resiliency'],
      env: { MODEL_REPOSITORY: 'models', UPSTREAM_APPS: apps.filter((a) => a.id !== 'gateway').map((a) => a.id).join(',') },
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
      env: [{ name: 'APP_ID', value: a.id }, { name: 'APP_PORT', value: `${a.port}` }],
    })),
  };
}

function k8sApp(app: AppSpec, apps: AppSpec[]) {
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
          },
        },
        spec: {
          containers: [{
            name: app.id,
            image: `meridian/${app.id}:latest`,
            ports: [{ containerPort: app.port }],
            env: [
              { name: 'APP_ID', value: app.id },
              { name: 'APP_PORT', value: `${app.port}` },
              { name: 'APP_HOST', value: '0.0.0.0' },
              ...(app.id === 'gateway' ? [{ name: 'UPSTREAM_APPS', value: apps.filter((a) => a.id !== 'gateway').map((a) => a.id).join(',') }] : []),
            ],
            readinessProbe: { httpGet: { path: '/readyz', port: app.port } },
            livenessProbe: { httpGet: { path: '/healthz', port: app.port } },
          }],
        },
      },
    },
  };
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: app.id, labels }, spec: { selector: labels, ports: [{ port: 80, targetPort: app.port }] } };
  return HEADER + [deployment, service, appConfiguration(app, { selfHosted: false })].map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

/** Every file derived from the app list, keyed by path relative to the repository root. */
export function generatedFiles(apps: AppSpec[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const app of apps) {
    files.set(`configuration/apps/${app.id}.yaml`, yaml(appConfiguration(app, { selfHosted: true })));
    files.set(`deploy/base/${app.id}.yaml`, k8sApp(app, apps));
  }
  files.set('deploy/base/kustomization.yaml', yaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: 'default',
    resources: apps.map((a) => `${a.id}.yaml`),
  }));
  files.set('dapr.yaml', yaml(daprRunFile(apps)));
  files.set('tye.yaml', yaml(tyeFile(apps)));
  return files;
}
