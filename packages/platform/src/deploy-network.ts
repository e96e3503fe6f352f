import type { AppSpec } from './apps.ts';
import { profileOf } from './deploy-profiles.ts';
import {
  DAPR_INTERNAL_GRPC_PORT,
  DAPR_METRICS_PORT,
  DAPR_SYSTEM_NAMESPACE,
  labelsOf,
  METRICS_SCRAPER_LABEL,
  PART_OF,
} from './deploy-shared.ts';

const tcp = (port: number) => ({ protocol: 'TCP', port });

const policy = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, labels: PART_OF },
  spec: { ...spec, policyTypes: ['Ingress'] },
});

const fromMeridianPods = { podSelector: { matchLabels: PART_OF } };
const fromNamespace = (name: string) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
});
const fromScrapers = { namespaceSelector: { matchLabels: METRICS_SCRAPER_LABEL } };

/**
 * Ingress rules for the namespace (NetworkPolicies add up: a port is open
 * when any policy selecting the pod allows it). Nothing is open unless listed:
 * - the public edge's app port, from anywhere (an Ingress controller, a LoadBalancer);
 * - daprd's internal gRPC port (sidecar to sidecar, mTLS), from Meridian pods and Dapr's control plane;
 * - daprd's metrics port, and an app's own metrics port, from namespaces labelled as metrics scrapers.
 * Every other app port is reached only by its own sidecar over the pod's loopback, which no
 * NetworkPolicy sees; and the kubelet's probes come from the node, which NetworkPolicy always allows.
 */
export function networkPolicies(apps: AppSpec[]): unknown[] {
  const edges = apps.filter((a) => profileOf(a).publicEdge);
  // Every app serves GET /metrics on its own port (with its app token); the public edge's port is open anyway.
  const appMetrics = apps.filter((a) => !profileOf(a).publicEdge);
  return [
    policy('default-deny-ingress', { podSelector: {} }),
    ...edges.map((app) =>
      policy(`${app.id}-public`, {
        podSelector: { matchLabels: labelsOf(app) },
        ingress: [{ ports: [tcp(app.port)] }],
      }),
    ),
    policy('dapr-sidecars', {
      podSelector: { matchLabels: PART_OF },
      ingress: [
        { from: [fromMeridianPods, fromNamespace(DAPR_SYSTEM_NAMESPACE)], ports: [tcp(DAPR_INTERNAL_GRPC_PORT)] },
      ],
    }),
    policy('dapr-metrics', {
      podSelector: { matchLabels: PART_OF },
      ingress: [{ from: [fromScrapers], ports: [tcp(DAPR_METRICS_PORT)] }],
    }),
    ...appMetrics.map((app) =>
      policy(`${app.id}-metrics`, {
        podSelector: { matchLabels: labelsOf(app) },
        ingress: [{ from: [fromScrapers], ports: [tcp(app.port)] }],
      }),
    ),
  ];
}
