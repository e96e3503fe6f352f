import { PART_OF } from './deploy-shared.ts';

/** The Secrets the dev overlay generates for its own Redis (the state and pub/sub components read them). */
export const DEV_REDIS_SECRETS = ['redis-host', 'redis-password'] as const;

const REDIS_UID = 999;
const labels = { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/component': 'dev-backend' };

/**
 * A throwaway Redis for the dev overlay: no password, no persistence, reachable
 * only from Meridian pods. Not labelled part-of meridian, so the policies for
 * Meridian's sidecars do not apply to it.
 */
export function devRedis(): unknown[] {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'redis', labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: REDIS_UID,
            runAsGroup: REDIS_UID,
            fsGroup: REDIS_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'redis',
              image: 'redis:7.4',
              imagePullPolicy: 'IfNotPresent',
              args: ['--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
              ports: [{ name: 'redis', containerPort: 6379, protocol: 'TCP' }],
              readinessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 10 },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'redis', labels },
    spec: { selector: labels, ports: [{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }] },
  };
  const policy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'redis', labels },
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: PART_OF } }], ports: [{ protocol: 'TCP', port: 6379 }] }],
    },
  };
  return [deployment, service, policy];
}
