import { PART_OF, type Commented } from './deploy-shared.ts';
import { alertRulesYaml } from './observability/alert-rules.ts';

export const ALERT_RULES_CONFIGMAP = 'meridian-alert-rules';
export const ALERT_RULES_KEY = 'meridian-rules.yaml';

/**
 * The alert rules the local Prometheus loads (observability/alert-rules.ts), for a cluster's
 * Prometheus. A ConfigMap rather than a PrometheusRule: that CRD comes with the Prometheus
 * Operator, which not every cluster runs and whose schema is not here to validate against;
 * a ConfigMap mounts into any Prometheus (and the operator's users can wrap its `groups`).
 */
export function alertRulesConfigMap(): Commented {
  return {
    comment: [
      "Meridian's Prometheus alerting rules (the same the launcher's local Prometheus loads).",
      `Mount key ${ALERT_RULES_KEY} into Prometheus and list it under rule_files. The rules expect`,
      'the apps\' /metrics scraped as job "apps" and the sidecars\' metrics (port 9090) as job',
      '"daprd", each target labelled app=<app id> and instance=<pod>.',
      'A ConfigMap, not a PrometheusRule: that CRD needs the Prometheus Operator.',
    ].join('\n'),
    doc: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: ALERT_RULES_CONFIGMAP, labels: PART_OF },
      data: { [ALERT_RULES_KEY]: alertRulesYaml() },
    },
  };
}
