/**
 * Strict schema check of deploy/: every kustomization (deploy/base and each overlay) is rendered
 * with kubectl kustomize and checked by kubeconform -strict against JSON schemas generated from
 * Kubernetes' own OpenAPI spec (k8s.io/kubernetes v1.34) and Dapr's and KEDA's CRDs: unknown
 * fields, missing required fields and kinds without a schema are all failures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureValidator, kustomizations, problems, render, validate, type Validator } from './helpers/render.ts';

let validator: Validator;
beforeAll(() => {
  validator = ensureValidator();
});

const documents = (manifests: string) => parseAllDocuments(manifests).filter((d) => d.contents !== null).length;
const check = (manifests: string) => validate(validator, manifests);

describe('deploy/ against the strict Kubernetes, Dapr and KEDA schemas', () => {
  it('when deploy/ is listed, then the base is among the kustomizations checked', () => {
    expect(kustomizations()).toContain('deploy/base');
  });

  it.each(kustomizations())('when %s is rendered, then every resource is valid and none is skipped', (dir) => {
    const manifests = render(dir);
    const report = check(manifests);
    expect(problems(report)).toEqual([]);
    expect(report.summary).toEqual({ valid: documents(manifests), invalid: 0, errors: 0, skipped: 0 });
    expect(report.summary.valid).toBeGreaterThan(0);
  });
});

const deployment = (podSpecExtra: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: probe }
spec:
  selector: { matchLabels: { app: probe } }
  template:
    metadata: { labels: { app: probe } }
    spec:
      containers:
        - name: probe
          image: probe:1
          resources: { limits: { cpu: 500m, memory: 1Gi }, requests: { cpu: 1 } }
          ports: [{ containerPort: 8080 }]
${podSpecExtra}`;

const configuration = (mtls: string) => `
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: probe }
spec:
  mtls:
    enabled: true
${mtls}`;

const scaledObject = (field: string) => `
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: probe }
spec:
  scaleTargetRef: { name: probe }
  ${field}: 2
  triggers:
    - type: cpu
      metricType: Utilization
      metadata: { value: "60" }
`;

/** The single resource's result, for fixtures of one document. */
const only = (manifests: string) => {
  const report = check(manifests);
  expect(report.resources).toHaveLength(1);
  return report.resources[0]!;
};

/** Resources of the kinds deploy/ uses, written as the overlays would: all must pass, or the schemas are wrong. */
const typical = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, labels: { app: web } }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web }, annotations: { dapr.io/enabled: "true", dapr.io/app-port: "8080" } }
    spec:
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
      topologySpreadConstraints:
        - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: { matchLabels: { app: web } } }
      containers:
        - name: web
          image: meridian/web:1
          ports: [{ name: http, containerPort: 8080 }]
          resources: { requests: { cpu: 0.25, memory: 128Mi }, limits: { cpu: 1, memory: 512Mi } }
          readinessProbe: { httpGet: { path: /readyz, port: http }, periodSeconds: 5 }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
          env: [{ name: TOKEN, valueFrom: { secretKeyRef: { name: web-token, key: token } } }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web }
spec: { minAvailable: 1, selector: { matchLabels: { app: web } } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Ingress]
  ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: TCP, port: 50001 }, { port: http }] }]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: web }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  minReplicas: 2
  maxReplicas: 6
  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } } }]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: worker }
spec:
  scaleTargetRef: { name: worker }
  minReplicaCount: 1
  maxReplicaCount: 5
  triggers:
    - type: prometheus
      metadata: { serverAddress: "http://prometheus:9090", query: sum(queue_depth), threshold: "10" }
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: statestore }
spec:
  type: state.redis
  version: v1
  metadata:
    - { name: redisHost, value: "redis:6379" }
    - { name: redisPassword, secretKeyRef: { name: redis, key: password } }
auth: { secretStore: kubernetes }
scopes: [web]
---
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: web }
spec:
  policies: { retries: { standard: { policy: constant, duration: 1s, maxRetries: 3 } } }
  targets: { apps: { worker: { retry: standard } } }
scopes: [web]
`;

describe('the schemas themselves', () => {
  it('when every generated schema is used, then kubeconform loads each one: none is missing or broken', () => {
    const index = JSON.parse(readFileSync(join(validator.schemaDir, 'index.json'), 'utf8')) as Record<
      string,
      { kinds: string[] }
    >;
    const kinds = Object.values(index).flatMap((source) => source.kinds);
    expect(kinds).toEqual(expect.arrayContaining(['apps/v1 Deployment', 'dapr.io/v1alpha1 Configuration']));
    expect(kinds).toContain('keda.sh/v1alpha1 ScaledObject');
    const probes = kinds.map((gvk) => {
      const [apiVersion, kind] = gvk.split(' ');
      return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: { name: probe }\n`;
    });
    const { summary } = check(probes.join('---\n'));
    // Invalid is fine here (lists lack items, reviews lack spec): a broken or absent schema is an error.
    expect(summary).toMatchObject({ errors: 0, skipped: 0 });
    expect(summary.valid + summary.invalid).toBe(kinds.length);
  });

  it('when resources are written as the overlays write them, then every one is valid', () => {
    const report = check(typical);
    expect(problems(report)).toEqual([]);
    expect(report.summary.valid).toBe(documents(typical));
  });
});

describe('the check can fail', () => {
  it('when a pod spec has a field Kubernetes does not know, then the Deployment is rejected', () => {
    expect(only(deployment('')).status).toBe('statusValid');
    const bad = only(deployment('      topologySpreadConstraint: []'));
    expect(bad.status).toBe('statusInvalid');
    expect(bad.validationErrors).toContainEqual({
      path: '/spec/template/spec',
      msg: expect.stringContaining("'topologySpreadConstraint'"),
    });
  });

  it('when a Dapr Configuration enables mTLS without trust domain and sentry address, then it is rejected', () => {
    const complete = '    controlPlaneTrustDomain: cluster.local\n    sentryAddress: dapr-sentry.dapr-system.svc:443';
    expect(only(configuration(complete)).status).toBe('statusValid');
    const bad = only(configuration(''));
    expect(bad.status).toBe('statusInvalid');
    expect(bad.validationErrors).toEqual([
      {
        path: '/spec/mtls',
        msg: expect.stringMatching(/missing properties 'controlPlaneTrustDomain', 'sentryAddress'/),
      },
    ]);
  });

  it('when a KEDA ScaledObject has a misspelt field, then it is rejected', () => {
    expect(only(scaledObject('minReplicaCount')).status).toBe('statusValid');
    const bad = only(scaledObject('minReplicasCount'));
    expect(bad.status).toBe('statusInvalid');
    expect(bad.validationErrors).toContainEqual({ path: '/spec', msg: expect.stringContaining("'minReplicasCount'") });
  });

  it("when a custom resource's metadata has an unknown field, then it is rejected as the API server would", () => {
    const bad = only(
      configuration('    controlPlaneTrustDomain: a\n    sentryAddress: b:443').replace(
        '{ name: probe }',
        '{ name: probe, label: { a: b } }',
      ),
    );
    expect(bad.status).toBe('statusInvalid');
    expect(bad.validationErrors).toContainEqual({ path: '/metadata', msg: expect.stringContaining("'label'") });
  });

  it('when a kind has no schema, then it is an error, not skipped', () => {
    const report = check('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: probe }\n');
    expect(report.summary).toEqual({ valid: 0, invalid: 0, errors: 1, skipped: 0 });
    expect(report.resources[0]!.msg).toMatch(/could not find schema for Widget/);
  });
});
