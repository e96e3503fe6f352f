import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { AppSpec } from './apps.ts';
import { alertRulesConfigMap } from './deploy-alert-rules.ts';
import { appManifests } from './deploy-app.ts';
import { componentFiles } from './deploy-components.ts';
import { networkPolicies } from './deploy-network.ts';
import { overlayFiles } from './deploy-overlays.ts';
import { kustomization, NAMESPACE, PART_OF, yamlFile } from './deploy-shared.ts';
import { repoPath } from './paths.ts';

/**
 * Pod Security: baseline is enforced; restricted is warned and audited,
 * because the injected daprd drops all capabilities only when Dapr is
 * installed with `dapr_sidecar_injector.sidecarDropALLCapabilities=true`.
 */
const namespace = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: NAMESPACE,
    labels: {
      ...PART_OF,
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    },
  },
};

/** The same Resiliency the launcher loads (configuration/resiliency/), as a namespaced resource. */
function resiliency() {
  const doc = parse(readFileSync(repoPath('configuration/resiliency/resiliency.yaml'), 'utf8')) as {
    metadata: Record<string, unknown>;
  };
  return { ...doc, metadata: { ...doc.metadata, labels: PART_OF } };
}

/** deploy/base: what every overlay shares, whatever the backends: the apps, their identities, policies and Dapr settings. */
function baseFiles(apps: AppSpec[]): Map<string, string> {
  const files = new Map<string, string>();
  files.set('deploy/base/namespace.yaml', yamlFile(namespace));
  for (const app of apps) files.set(`deploy/base/${app.id}.yaml`, yamlFile(...appManifests(app)));
  files.set('deploy/base/network-policies.yaml', yamlFile(...networkPolicies(apps)));
  files.set(
    'deploy/base/resiliency.yaml',
    yamlFile({ comment: 'From configuration/resiliency/resiliency.yaml.', doc: resiliency() }),
  );
  files.set('deploy/base/alert-rules.yaml', yamlFile(alertRulesConfigMap()));
  files.set(
    'deploy/base/kustomization.yaml',
    yamlFile({
      comment: 'No backends here: an overlay adds one deploy/components/<kind>/<choice> per kind (docs/kubernetes.md).',
      doc: kustomization({
        namespace: NAMESPACE,
        resources: [
          'namespace.yaml',
          ...apps.map((a) => `${a.id}.yaml`),
          'network-policies.yaml',
          'resiliency.yaml',
          'alert-rules.yaml',
        ],
      }),
    }),
  );
  return files;
}

/** deploy/: the Kubernetes manifests (base, backend choices, overlays), keyed by path relative to the repository root. */
export function deployFiles(apps: AppSpec[]): Map<string, string> {
  return new Map([...baseFiles(apps), ...componentFiles(apps), ...overlayFiles(apps)]);
}
