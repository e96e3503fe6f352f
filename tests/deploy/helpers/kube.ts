import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocatePorts, daprBinDir, httpOk, ManagedProcess, repoPath, waitFor } from '@meridian/platform';

/**
 * A real Kubernetes control plane for the deploy checks, on loopback ports: etcd and
 * kube-apiserver (tools/k8s/ensure-apiserver.sh), the Dapr and KEDA CRDs, Dapr's sentry in
 * Kubernetes mode, and Dapr's sidecar injector (tools/k8s/ensure-injector.sh) registered as
 * the mutating webhook `dapr-sidecar-injector`, as the Dapr Helm chart installs it. There is
 * no kubelet, scheduler or controller-manager: objects are stored and admitted, never run.
 */

export const DAPR_VERSION = readFileSync(repoPath('tools/dapr/VERSION'), 'utf8').match(/^runtime=(.+)$/m)?.[1] ?? '';
export const CONTROL_PLANE_NS = 'dapr-system';
export const TRUST_DOMAIN = 'cluster.local';
/** What the injector puts in every pod (the chart's default image for this Dapr version). */
export const SIDECAR_IMAGE = `ghcr.io/dapr/daprd:${DAPR_VERSION}`;
export const SENTRY_ID = `spiffe://${TRUST_DOMAIN}/ns/${CONTROL_PLANE_NS}/dapr-sentry`;
/** Pods come from the ReplicaSet controller in a cluster: the injector only patches its requests. */
export const REPLICASET_CONTROLLER = 'system:serviceaccount:kube-system:replicaset-controller';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubeCluster {
  readonly kubeconfig: string;
  /** The trust anchors (PEM) that sentry generated and the injector hands to every sidecar. */
  readonly trustAnchors: string;
  kubectl(args: string[], input?: string): Promise<CommandResult>;
  /** kubectl that fails with its output when it exits non-zero; resolves to its stdout. */
  kubectlOk(args: string[], input?: string): Promise<string>;
  /** The last lines of every process, for failure messages. */
  diagnostics(): string;
  stop(): Promise<void>;
}

export function run(command: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: `${stderr}${err.message}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A command that exits without reading its input closes the pipe first: that EPIPE is not an error of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Runs one of our ensure scripts (which may build for minutes; progress goes to our stderr). */
function ensure(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [repoPath(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`${script} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const res = await run(
    'openssl',
    args.map((a) => a.replaceAll('{dir}', dir)),
  );
  if (res.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${res.stderr}`);
}

/** A test CA, the API server's serving cert, an admin client cert and the service-account key. */
async function makeCerts(dir: string): Promise<void> {
  await openssl(dir, [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=meridian-test-ca'],
    ...['-keyout', '{dir}/ca.key', '-out', '{dir}/ca.crt'],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  const leaf = async (name: string, subject: string, ext: string[]) => {
    writeFileSync(join(dir, `${name}.ext`), `${ext.join('\n')}\n`);
    await openssl(
      dir,
      ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `{dir}/${name}.key`].concat([
        '-out',
        `{dir}/${name}.csr`,
      ]),
    );
    await openssl(
      dir,
      ['x509', '-req', '-in', `{dir}/${name}.csr`, '-CA', '{dir}/ca.crt', '-CAkey', '{dir}/ca.key'].concat([
        '-CAcreateserial',
        '-days',
        '2',
        '-out',
        `{dir}/${name}.crt`,
        '-extfile',
        `{dir}/${name}.ext`,
      ]),
    );
  };
  const sans = 'IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc';
  await leaf('apiserver', '/CN=kube-apiserver', [`subjectAltName=${sans}`, 'extendedKeyUsage=serverAuth']);
  await leaf('admin', '/O=system:masters/CN=meridian-admin', ['extendedKeyUsage=clientAuth']);
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
}

function kubeconfigYaml(dir: string, port: number): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: meridian-test
    cluster:
      server: https://127.0.0.1:${port}
      certificate-authority: ${dir}/ca.crt
users:
  - name: admin
    user:
      client-certificate: ${dir}/admin.crt
      client-key: ${dir}/admin.key
contexts:
  - name: meridian-test
    context: { cluster: meridian-test, user: admin }
current-context: meridian-test
`;
}

const yamlList = (docs: string[]): string => docs.map((d) => d.trim()).join('\n---\n');

/** The parts of the Dapr Helm chart that sentry and the injector look up before they serve. */
function controlPlaneObjects(): string {
  const ns = CONTROL_PLANE_NS;
  return yamlList([
    `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }`,
    `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: dapr-injector, namespace: ${ns} }`,
    `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: dapr-sentry, namespace: ${ns} }`,
    // Sentry fills both with the trust bundle it generates.
    `apiVersion: v1\nkind: Secret\nmetadata: { name: dapr-trust-bundle, namespace: ${ns} }`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: dapr-trust-bundle, namespace: ${ns} }`,
    `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: daprsystem, namespace: ${ns} }
spec:
  mtls:
    enabled: true
    workloadCertTTL: 24h
    allowedClockSkew: 15m
    controlPlaneTrustDomain: ${TRUST_DOMAIN}
    sentryAddress: dapr-sentry.${ns}.svc.cluster.local:443`,
  ]);
}

/**
 * The webhook's service, as the API server resolves it: an ExternalName service is dialled at
 * its name, so it reaches the injector on loopback while TLS still checks the name
 * dapr-sidecar-injector.dapr-system.svc that sentry puts in the injector's certificate.
 */
function injectorService(port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: dapr-sidecar-injector, namespace: ${CONTROL_PLANE_NS} }
spec:
  type: ExternalName
  externalName: localhost
  ports: [{ name: https, port: ${port} }]`;
}

/** The injector's own pod object: sentry checks that its token belongs to this pod. */
const injectorPod = `apiVersion: v1
kind: Pod
metadata:
  name: dapr-sidecar-injector
  namespace: ${CONTROL_PLANE_NS}
  labels: { app: dapr-sidecar-injector }
  annotations: { dapr.io/control-plane: injector }
spec:
  serviceAccountName: dapr-injector
  containers: [{ name: dapr-sidecar-injector, image: "ghcr.io/dapr/injector:${DAPR_VERSION}" }]`;

/**
 * The chart's MutatingWebhookConfiguration, with failurePolicy Fail (the chart's default is
 * Ignore) so that a pod is never admitted without its sidecar here. caBundle starts as a CA that
 * did not sign the injector's certificate: the injector replaces it with sentry's trust anchors.
 */
function webhookConfiguration(injectorPort: number, placeholderCa: string): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: { name: dapr-sidecar-injector, labels: { app: dapr-sidecar-injector } }
webhooks:
  - name: sidecar-injector.dapr.io
    reinvocationPolicy: IfNeeded
    clientConfig:
      service: { namespace: ${CONTROL_PLANE_NS}, name: dapr-sidecar-injector, path: /mutate, port: ${injectorPort} }
      caBundle: ${Buffer.from(placeholderCa).toString('base64')}
    rules: [{ apiGroups: [""], apiVersions: [v1], resources: [pods], operations: [CREATE] }]
    failurePolicy: Fail
    sideEffects: None
    admissionReviewVersions: [v1, v1beta1]`;
}

/** The injector's settings as the chart (dapr_sidecar_injector, default values) sets them. */
function injectorEnv(sentryPort: number): Record<string, string> {
  return {
    NAMESPACE: CONTROL_PLANE_NS,
    SIDECAR_IMAGE,
    SIDECAR_IMAGE_PULL_POLICY: 'IfNotPresent',
    SIDECAR_RUN_AS_NON_ROOT: 'true',
    SIDECAR_READ_ONLY_ROOT_FILESYSTEM: 'true',
    SIDECAR_DROP_ALL_CAPABILITIES: 'false',
    ENABLE_K8S_DOWNWARD_APIS: 'false',
    NATIVE_SIDECAR_ENABLED: 'false',
    KUBE_CLUSTER_DOMAIN: 'cluster.local',
    ACTORS_ENABLED: 'true',
    ACTORS_SERVICE_NAME: 'placement',
    ACTORS_SERVICE_ADDRESS: 'dapr-placement-server:50005',
    DAPR_TRUST_ANCHORS_FILE: '/var/run/secrets/dapr.io/tls/ca.crt',
    DAPR_CONTROL_PLANE_TRUST_DOMAIN: TRUST_DOMAIN,
    // In a cluster dapr-sentry.dapr-system.svc.cluster.local:443; here sentry's loopback port.
    DAPR_SENTRY_ADDRESS: `127.0.0.1:${sentryPort}`,
  };
}

/**
 * Dapr's control plane refuses to run as root in Kubernetes mode, and its images run as
 * 65532 (distroless "nonroot"): so do sentry and the injector here. The parent-death signal is
 * set after the user changes, which would otherwise clear it.
 */
const DAPR_UID = 65532;
const DAPR_USER = [`--reuid=${DAPR_UID}`, `--regid=${DAPR_UID}`, '--clear-groups', '--pdeathsig=SIGKILL'];

/**
 * The injector reads its sentry token and trust anchors at the paths a pod mounts them
 * (/var/run/secrets/dapr.io/...), and whether that token exists decides whether injected pods
 * get the projected token volume. So it runs in its own mount namespace with a private /run
 * holding both files, as in its pod; nothing is written to the machine's /run.
 */
const PRIVATE_RUN = `set -e
mount -t tmpfs -o size=1m,mode=755 meridian-dapr-secrets /run
mkdir -p /run/secrets/dapr.io/sentrytoken /run/secrets/dapr.io/tls
cp "$1" /run/secrets/dapr.io/sentrytoken/token
cp "$2" /run/secrets/dapr.io/tls/ca.crt
shift 2
exec setpriv ${DAPR_USER.join(' ')} -- "$@"`;

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  // Not in a pod: Dapr's Kubernetes client must use the kubeconfig, not in-cluster settings.
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.KUBERNETES_SERVICE_PORT;
  return env;
}

function exitReason(...procs: ManagedProcess[]): string | undefined {
  const dead = procs.find((p) => !p.running);
  if (!dead) return undefined;
  return `${dead.opts.name} exited (${dead.exitCode ?? dead.exitSignal}):\n${dead.lastLines(30).join('\n')}`;
}

/** What each start-up step needs: the work folder, kubectl, and a way to start a process. */
interface Env {
  dir: string;
  certs: string;
  kubeconfig: string;
  kubectl: KubeCluster['kubectl'];
  kubectlOk: KubeCluster['kubectlOk'];
  start(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): ManagedProcess;
}

async function startEtcdAndApiServer(env: Env, bin: string): Promise<ManagedProcess[]> {
  const [etcdPort, peerPort, apiPort] = (await allocatePorts(3)) as [number, number, number];
  writeFileSync(env.kubeconfig, kubeconfigYaml(env.certs, apiPort));
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = env.start('etcd', join(bin, 'etcd'), [
    ...['--name', 'meridian', '--data-dir', join(env.dir, 'etcd'), '--unsafe-no-fsync'],
    ...['--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl],
    ...['--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl],
    ...['--initial-cluster', `meridian=${peerUrl}`],
  ]);
  await waitFor({
    what: 'etcd',
    check: () => httpOk(`${etcdUrl}/health`),
    timeoutMs: 60_000,
    abort: () => exitReason(etcd),
  });
  const pki = (f: string) => join(env.certs, f);
  const apiserver = env.start('kube-apiserver', join(bin, 'kube-apiserver'), [
    ...['--etcd-servers', etcdUrl, '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1'],
    ...['--secure-port', String(apiPort), '--cert-dir', join(env.dir, 'apiserver')],
    ...['--tls-cert-file', pki('apiserver.crt'), '--tls-private-key-file', pki('apiserver.key')],
    ...['--client-ca-file', pki('ca.crt'), '--authorization-mode', 'RBAC'],
    ...['--service-account-issuer', 'https://kubernetes.default.svc.cluster.local'],
    ...['--service-account-key-file', pki('sa.pub'), '--service-account-signing-key-file', pki('sa.key')],
    ...['--service-cluster-ip-range', '10.96.0.0/16', '--profiling=false'],
    // Its own endpoint is 127.0.0.1, which an Endpoints object may not hold: skip that reconciler.
    ...['--endpoint-reconciler-type', 'none'],
  ]);
  await waitFor({
    what: 'kube-apiserver /readyz',
    check: async () => (await env.kubectl(['get', '--raw', '/readyz'])).stdout.trim() === 'ok',
    timeoutMs: 180_000,
    intervalMs: 500,
    abort: () => exitReason(etcd, apiserver),
  });
  return [etcd, apiserver];
}

const LOCAL_ONLY = ['--healthz-listen-address', '127.0.0.1', '--metrics-listen-address', '127.0.0.1'];
const TRUST_BUNDLE_CA = [
  '-n',
  CONTROL_PLANE_NS,
  'get',
  'configmap',
  'dapr-trust-bundle',
  '-o',
  'jsonpath={.data.ca\\.crt}',
];

/** Sentry in Kubernetes mode; resolves once it serves and has published its trust anchors. */
async function startSentry(env: Env, watch: ManagedProcess[]): Promise<{ port: number; trustAnchors: string }> {
  const [port, health, metrics] = (await allocatePorts(3)) as [number, number, number];
  const sentry = env.start(
    'sentry',
    'setpriv',
    [
      ...[...DAPR_USER, '--', join(daprBinDir(), 'sentry'), '--mode', 'kubernetes', '--kubeconfig', env.kubeconfig],
      ...['--trust-domain', TRUST_DOMAIN, '--port', String(port), '--listen-address', '127.0.0.1'],
      ...['--config', 'daprsystem', '--issuer-credentials', join(env.dir, 'sentry')],
      ...['--healthz-port', String(health), '--metrics-port', String(metrics), ...LOCAL_ONLY],
    ],
    childEnv({ NAMESPACE: CONTROL_PLANE_NS }),
  );
  await waitFor({
    what: 'sentry (healthz and the trust bundle it publishes)',
    check: async () =>
      (await httpOk(`http://127.0.0.1:${health}/healthz`)) &&
      (await env.kubectl(TRUST_BUNDLE_CA)).stdout.includes('BEGIN CERTIFICATE'),
    timeoutMs: 120_000,
    intervalMs: 300,
    abort: () => exitReason(...watch, sentry),
  });
  watch.push(sentry);
  return { port, trustAnchors: await env.kubectlOk(TRUST_BUNDLE_CA) };
}

/** The injector with a token bound to its pod object, registered as the mutating webhook. */
async function startInjector(env: Env, bin: string, sentryPort: number, watch: ManagedProcess[]): Promise<void> {
  const [port, health, metrics] = (await allocatePorts(3)) as [number, number, number];
  await env.kubectlOk(['apply', '--server-side', '-f', '-'], injectorService(port));
  const podUid = await env.kubectlOk([
    '-n',
    CONTROL_PLANE_NS,
    'get',
    'pod',
    'dapr-sidecar-injector',
    '-o',
    'jsonpath={.metadata.uid}',
  ]);
  const token = await env.kubectlOk([
    ...['-n', CONTROL_PLANE_NS, 'create', 'token', 'dapr-injector', '--audience', SENTRY_ID],
    ...['--bound-object-kind', 'Pod', '--bound-object-name', 'dapr-sidecar-injector'],
    ...['--bound-object-uid', podUid, '--duration', '4h'],
  ]);
  writeFileSync(join(env.dir, 'injector-token'), token.trim());
  const placeholderCa = readFileSync(join(env.certs, 'ca.crt'), 'utf8');
  await env.kubectlOk(['apply', '--server-side', '-f', '-'], webhookConfiguration(port, placeholderCa));
  const injector = env.start(
    'injector',
    'unshare',
    [
      ...['--mount', '--propagation', 'private', '--', 'sh', '-c', PRIVATE_RUN, 'sh'],
      ...[join(env.dir, 'injector-token'), join(env.dir, 'trust-anchors.crt'), bin],
      ...['--kubeconfig', env.kubeconfig, '--port', String(port), '--healthz-port', String(health)],
      ...['--metrics-port', String(metrics), ...LOCAL_ONLY, '--scheduler-enabled=true'],
    ],
    childEnv(injectorEnv(sentryPort)),
  );
  // Ready once it serves with sentry's certificate and has patched the webhook's caBundle.
  await waitFor({
    what: 'the Dapr sidecar injector',
    check: () => httpOk(`http://127.0.0.1:${health}/healthz`),
    timeoutMs: 120_000,
    intervalMs: 300,
    abort: () => exitReason(...watch, injector),
  });
}

/** Starts the whole control plane (a few builds the first time; then about 15 s). */
export async function startKubeCluster(): Promise<KubeCluster> {
  if (process.getuid?.() !== 0) {
    throw new Error('the Kubernetes checks need root: they run Dapr as uid 65532 in a private mount namespace');
  }
  const bin = await ensure('tools/k8s/ensure-apiserver.sh');
  const crds = await ensure('tools/k8s/ensure-apiserver.sh', '--crds');
  const injectorBin = await ensure('tools/k8s/ensure-injector.sh');
  daprBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'meridian-kube-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const procs: ManagedProcess[] = [];
  const kubectl = (args: string[], input?: string) => run('kubectl', ['--kubeconfig', kubeconfig, ...args], input);
  const env: Env = {
    dir,
    certs: join(dir, 'pki'),
    kubeconfig,
    kubectl,
    kubectlOk: async (args, input) => {
      const res = await kubectl(args, input);
      if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${res.code}: ${res.stderr}${res.stdout}`);
      return res.stdout;
    },
    start: (name, command, args, childenv = childEnv()) => {
      const logFile = join(dir, 'logs', `${name}.log`);
      const p = new ManagedProcess({ name, command, args, cwd: dir, env: childenv, logFile });
      procs.push(p);
      return p;
    },
  };
  const diagnostics = () => procs.map((p) => `--- ${p.opts.name}\n${p.lastLines(20).join('\n')}`).join('\n');
  const stop = async (): Promise<void> => {
    for (const p of [...procs].reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Sentry watches its issuer-credentials folder even when the trust bundle lives in the cluster.
    for (const sub of ['pki', 'logs', 'sentry']) mkdirSync(join(dir, sub));
    await makeCerts(env.certs);
    const watch = await startEtcdAndApiServer(env, bin);
    await env.kubectlOk(['apply', '--server-side', '-f', join(crds, 'dapr'), '-f', join(crds, 'keda')]);
    await env.kubectlOk(['wait', '--for', 'condition=Established', 'crd', '--all', '--timeout', '120s']);
    await env.kubectlOk(['apply', '--server-side', '-f', '-'], controlPlaneObjects());
    await env.kubectlOk(['apply', '--server-side', '-f', '-'], injectorPod);
    // Sentry and the injector (uid 65532) read the kubeconfig, its client key and sentry's folder.
    const chown = await run('chown', ['-R', `${DAPR_UID}:${DAPR_UID}`, dir]);
    if (chown.code !== 0) throw new Error(`chown ${dir}: ${chown.stderr}`);
    const sentry = await startSentry(env, watch);
    writeFileSync(join(dir, 'trust-anchors.crt'), sentry.trustAnchors);
    await startInjector(env, injectorBin, sentry.port, watch);
    return { kubeconfig, trustAnchors: sentry.trustAnchors, kubectl, kubectlOk: env.kubectlOk, diagnostics, stop };
  } catch (err) {
    const detail = diagnostics();
    await stop();
    throw new Error(`${(err as Error).message}\n${detail}`);
  }
}
