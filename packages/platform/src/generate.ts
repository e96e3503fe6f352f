import { stringify } from 'yaml';
import type { AppSpec } from './apps.ts';
import { scopedComponents } from './component-scopes.ts';
import { appConfiguration, widenedOperations } from './dapr-configuration.ts';
import { deployFiles } from './deploy.ts';
import { BINDING_FOLDERS, PROFILES, KINDS } from './stack.ts';

const HEADER = '# Generated from apps/apps.json by `npm run gen`; edit that file, not this one.\n';
const yaml = (doc: unknown) => HEADER + stringify(doc, { lineWidth: 0 });

function daprRunFile(apps: AppSpec[]) {
  // `dapr run -f .` runs the apps from .meridian/ (created by `npm run prepare-run`), where the
  // relative paths in component YAML land, on the local profile. prepare-run keeps the control
  // plane and the MQTT broker running, and the CLI starts every daprd through the shim in
  // runtimePath, which points it at them (docs/operations.md). Every daprd and app takes
  // DAPR_API_TOKEN and APP_API_TOKEN from the environment `dapr run` is started in
  // (prepare-run writes them to .meridian/run.env).
  const choices = PROFILES.local as Record<string, string>;
  return {
    version: 1,
    common: {
      runtimePath: './.meridian/dapr-runtime',
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
      configFilePath: `../configuration/dapr-run/${a.id}.yaml`,
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
    // Under `dapr run` the CLI records its run in each daprd's metadata (cliPID, runTemplatePath),
    // which `dapr list` and `dapr stop -f .` read back: there the metadata API is on too.
    const runConfiguration = appConfiguration(
      { ...app, dapr: { ...app.dapr, apis: [...new Set([...app.dapr.apis, 'metadata' as const])] } },
      { selfHosted: true },
    );
    files.set(
      `configuration/dapr-run/${app.id}.yaml`,
      `${HEADER}# For \`dapr run -f .\`: configuration/apps/${app.id}.yaml and the metadata API, which the Dapr CLI uses.\n${note}${stringify(runConfiguration, { lineWidth: 0 })}`,
    );
  }
  for (const [path, content] of deployFiles(apps)) files.set(path, content);
  for (const [path, content] of scopedComponents(apps)) files.set(path, content);
  files.set('dapr.yaml', yaml(daprRunFile(apps)));
  files.set('tye.yaml', yaml(tyeFile(apps)));
  return files;
}
