import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  allocatePorts,
  httpOk,
  identityToken,
  repoPath,
  sidecarPorts,
  SIDECAR_PORT_COUNT,
  startSidecar,
  waitFor,
  type ManagedProcess,
} from '@meridian/platform';
import { InferBatchResponse } from '@meridian/contracts';
import { componentsFor } from '@meridian/testkit';
import { foreignClientCertificate } from './helpers/forged-tokens.ts';
import { usePlatform } from './helpers/platform.ts';
import { grpcStatus, internalGrpcAttempt } from './helpers/raw-http.ts';

/**
 * The attack suite inside the mesh, on real sidecars: local processes that
 * skip the gateway and call app ports and sidecar ports directly, apps whose
 * ACL does not list an operation, sidecars that claim an identity they were
 * not given, and clients of the internal gRPC port without the platform's CA.
 * features and training do not run here, so their app ids can be played by
 * probe sidecars with exactly their ACL entries.
 */
const h = usePlatform('local', { apps: ['gateway', 'inference', 'monitor', 'registry', 'ingestion', 'agents'] });
const started: ManagedProcess[] = [];
afterAll(async () => void (await Promise.all(started.map((p) => p.stop()))));

/** A daprd with no app behind it, given the identity `appId` by the platform (or another token). */
async function probeSidecar(
  appId: string,
  o: { identity?: string | null; resources?: string[]; env?: Record<string, string>; ready?: boolean } = {},
) {
  const { dataDir } = h.platform;
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const ports = sidecarPorts(await allocatePorts(SIDECAR_PORT_COUNT));
  const process = startSidecar({
    appId,
    ports,
    cp: inject('controlPlane'),
    config: repoPath('configuration/client.yaml'),
    resources: o.resources ?? [],
    dataDir,
    ...(o.identity !== undefined ? { identityToken: o.identity } : {}),
    ...(o.env ? { env: o.env } : {}),
  });
  started.push(process);
  const url = `http://127.0.0.1:${ports.http}`;
  if (o.ready !== false)
    await waitFor({ what: `${appId} probe sidecar`, timeoutMs: 30_000, check: () => httpOk(`${url}/v1.0/healthz`) });
  const invoke = (app: string, method: string, path: string, body?: unknown) =>
    fetch(`${url}/v1.0/invoke/${app}/method${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  return { url, process, invoke };
}

const reading = {
  inputs: [
    { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
    { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
  ],
};

describe('the mesh under attack', () => {
  it('when a local process calls an app port without the app token, or with a made-up subject, then 401 on every app', async () => {
    for (const app of Object.values(h.platform.apps).filter((a) => a.spec.id !== 'gateway')) {
      for (const headers of [
        {},
        { 'x-meridian-subject': 'admin', 'dapr-caller-app-id': 'gateway' },
        { 'dapr-api-token': app.daprToken },
        { 'dapr-api-token': 'x'.repeat(32) },
      ] as Record<string, string>[]) {
        for (const path of [
          '/dapr/subscribe',
          '/v2/repository/index',
          '/v1/registry/models',
          '/v1/monitor/predictions',
          '/v1/ingest/streams',
        ]) {
          const res = await fetch(`${app.appUrl}${path}`, {
            method: path.includes('repository') ? 'POST' : 'GET',
            headers,
          });
          expect(res.status, `${app.spec.id} ${path} ${JSON.stringify(headers)}`).toBe(401);
        }
      }
      expect((await app.fetchApp('/readyz')).status).toBe(200);
    }
  });

  it("when a local process calls a sidecar's HTTP or gRPC API without its token, then 401 / UNAUTHENTICATED; only health checks are open", async () => {
    for (const app of Object.values(h.platform.apps)) {
      const base = `http://127.0.0.1:${app.sidecarPorts.http}`;
      for (const [method, path] of [
        ['GET', '/v1.0/metadata'],
        ['GET', '/v1.0/secrets/secretstore/jwt-signing-keys'],
        ['POST', '/v1.0/publish/pubsub/predictions'],
        ['GET', '/v1.0/state/statestore/x'],
        ['GET', '/v1.0/invoke/registry/method/v1/registry/models'],
        ['POST', '/v1.0/shutdown'],
      ]) {
        for (const headers of [{}, { 'dapr-api-token': 'not-the-token-of-this-sidecar' }] as Record<string, string>[]) {
          expect((await fetch(`${base}${path}`, { method, headers })).status, `${app.spec.id} ${method} ${path}`).toBe(
            401,
          );
        }
      }
      expect((await fetch(`${base}/v1.0/healthz`)).status).toBe(204);
      // An API in the app's allowlist, so this is the token check (one outside it answers 12 first).
      const allowed = app.spec.dapr.apis.includes('state') ? 'GetState' : 'InvokeService';
      expect(
        await grpcStatus({ port: app.sidecarPorts.grpc, method: `/dapr.proto.runtime.v1.Dapr/${allowed}` }),
        app.spec.id,
      ).toBe(16);
      // With the token, GetMetadata is off unless the app lists the metadata API (agents: it reads its own
      // component list to pick its language model).
      if (!app.spec.dapr.apis.includes('metadata'))
        expect(
          await grpcStatus({
            port: app.sidecarPorts.grpc,
            method: '/dapr.proto.runtime.v1.Dapr/GetMetadata',
            token: app.daprToken,
          }),
          app.spec.id,
        ).toBe(12);
    }
  });

  it('when an app uses its own token on building blocks outside its allowlist or secrets outside its scope, then they are not there', async () => {
    const app = (id: string) => h.platform.apps[id]!;
    const [gateway, inference, ingestion] = [app('gateway'), app('inference'), app('ingestion')];
    expect((await gateway.fetchDapr('/v1.0/secrets/secretstore/jwt-verification-keys')).status).toBe(200);
    expect((await gateway.fetchDapr('/v1.0/secrets/secretstore/jwt-signing-keys')).status).toBe(403);
    expect((await gateway.fetchDapr('/v1.0/publish/pubsub/predictions', { method: 'POST', body: '{}' })).status).toBe(
      404,
    );
    expect(
      (await gateway.fetchDapr('/v1.0/bindings/artifacts', { method: 'POST', body: '{"operation":"list"}' })).status,
    ).toBe(404);
    expect((await gateway.fetchDapr('/v1.0/metadata')).status).toBe(404);
    expect((await inference.fetchDapr('/v1.0/secrets/secretstore/jwt-signing-keys')).status).toBe(404);
    expect(
      (await ingestion.fetchDapr('/v1.0/bindings/artifacts', { method: 'POST', body: '{"operation":"list"}' })).status,
    ).toBe(404);
    expect((await inference.fetchDapr('/v1.0/shutdown', { method: 'POST' })).status).toBe(404);
    expect((await inference.fetchApp('/readyz')).status).toBe(200);
  });

  it('when a sidecar of an app id no component lists loads every component folder, then it gets none of them', async () => {
    const folders = h.platform.apps.registry!.sidecar.opts.args.flatMap((a, i, all) =>
      all[i - 1] === '--resources-path' ? [a] : [],
    );
    const probe = await probeSidecar('example-client', { resources: folders });
    const metadata = (await (await fetch(`${probe.url}/v1.0/metadata`)).json()) as { components?: unknown[] };
    expect(metadata.components ?? []).toEqual([]);
  });

  it('when an app calls an operation its ACL entry does not list, then Dapr refuses it (per path and verb); listed ones pass', async () => {
    const features = await probeSidecar('features');
    expect((await features.invoke('inference', 'POST', '/v2/models/sensor-anomaly/infer', reading)).status).toBe(200);
    for (const [method, path] of [
      ['POST', '/v2/repository/models/sensor-anomaly/unload'],
      ['POST', '/v2/repository/index'],
      ['PUT', '/v2/models/sensor-anomaly/policy'],
      ['GET', '/v2/models/sensor-anomaly'],
      ['POST', '/v2/models/sensor-anomaly/explain'],
      ['GET', '/v2/models/sensor-anomaly/infer'],
    ]) {
      const res = await features.invoke('inference', method!, path!, method === 'GET' ? undefined : {});
      expect(res.status, `features ${method} ${path}`).toBe(403);
      expect(await res.text()).toContain('access control policy has denied access');
    }
    // Only the gateway sends inference batches of infer requests.
    const batch = { requests: [{ model: 'sensor-anomaly', body: reading }] };
    expect((await features.invoke('inference', 'POST', '/v1/infer-batch', batch)).status).toBe(403);
    const gateway = await probeSidecar('gateway');
    const batched = await gateway.invoke('inference', 'POST', '/v1/infer-batch', batch);
    expect(batched.status).toBe(200);
    expect(InferBatchResponse.parse(await batched.json()).responses.map((r) => r.status)).toEqual([200]);
    const training = await probeSidecar('training');
    expect((await training.invoke('registry', 'GET', '/v1/registry/models/sensor-anomaly/versions')).status).not.toBe(
      403,
    );
    expect(
      (await training.invoke('registry', 'POST', '/v1/registry/models/sensor-anomaly/rollback', { reason: 'attack' }))
        .status,
    ).toBe(403);
    expect((await training.invoke('inference', 'POST', '/v2/models/sensor-anomaly/infer', reading)).status).toBe(403);
    expect((await training.invoke('monitor', 'GET', '/v1/monitor/predictions')).status).toBe(403);
    const client = await probeSidecar('example-client');
    expect((await client.invoke('inference', 'POST', '/v2/models/sensor-anomaly/infer', reading)).status).toBe(200);
    expect((await client.invoke('inference', 'GET', '/v2/models/sensor-anomaly')).status).toBe(200);
    for (const [method, path] of [
      ['PUT', '/v2/models/sensor-anomaly/policy'],
      ['POST', '/v2/models/sensor-anomaly/explain'],
      ['POST', '/v2/repository/models/sensor-anomaly/load'],
      ['POST', '/v1/infer-batch'],
    ]) {
      expect((await client.invoke('inference', method!, path!, {})).status, `example-client ${method} ${path}`).toBe(
        403,
      );
    }
    // Only the gateway reaches the agents, and no app reaches an actor's callback routes through invocation.
    for (const [method, path] of [
      ['POST', '/v1/agents/sessions/s1/messages'],
      ['GET', '/v1/agents/approvals'],
      ['POST', '/v1/agents/approvals/ap-1'],
      ['PUT', '/actors/approval-desk/desk/method/decide'],
      ['PUT', '/actors/agent-session/x.s1/method/message'],
      ['GET', '/dapr/config'],
    ]) {
      const res = await features.invoke('agents', method!, path!, method === 'GET' ? undefined : { approve: true });
      expect(res.status, `features → agents ${method} ${path}`).toBe(403);
    }
    const intruder = await probeSidecar('intruder');
    for (const [app, path] of [
      ['agents', '/v1/agents/approvals'],
      ['inference', '/v2/models/sensor-anomaly'],
      ['registry', '/v1/registry/models'],
      ['monitor', '/v1/monitor/predictions'],
      ['ingestion', '/v1/ingest/streams'],
    ]) {
      expect((await intruder.invoke(app!, 'GET', path!)).status, `intruder → ${app}`).toBe(403);
    }
  });

  it("when a sidecar claims an app id without the platform's identity token, with a token from another key, or with another app's token, then sentry certifies nothing and it never starts", async () => {
    const cp = inject('controlPlane');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const foreignKey = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const attempts = {
      'no token': null,
      'token signed by another key': identityToken({
        key: foreignKey,
        appId: 'gateway',
        controlPlaneTrustDomain: cp.trustDomain,
      }),
      'a token for example-client': identityToken({
        key: cp.identityKey,
        appId: 'example-client',
        controlPlaneTrustDomain: cp.trustDomain,
      }),
      'an expired token': identityToken({
        key: cp.identityKey,
        appId: 'gateway',
        controlPlaneTrustDomain: cp.trustDomain,
        now: Date.now() - 30 * 86400_000,
        ttlSeconds: 3600,
      }),
    };
    for (const [what, identity] of Object.entries(attempts)) {
      const impostor = await probeSidecar('gateway', { identity, ready: false });
      await waitFor({
        what: `impostor (${what}) to give up`,
        timeoutMs: 60_000,
        check: async () => !impostor.process.running,
      });
      expect(impostor.process.exitCode, what).not.toBe(0);
      expect(impostor.process.lastLines().join('\n'), what).toMatch(
        /initial identity|SignCertificate|token validation failed|validator/i,
      );
    }
  });

  it("when a client reaches a sidecar's internal gRPC port in plain text or with a certificate from another CA, then the call is refused", async () => {
    const port = h.platform.apps.inference!.sidecarPorts.internalGrpc;
    expect(await internalGrpcAttempt({ port })).toMatch(/^refused/);
    expect(await internalGrpcAttempt({ port, tls: foreignClientCertificate() })).toMatch(/^refused/);
  });

  it("when the env secret store is chosen, then only variables with its prefix are secrets, never the launcher's environment", async () => {
    const [envStore] = componentsFor({
      appId: 'example-client',
      folders: [repoPath('components/secrets/env')],
      dir: join(h.platform.dataDir, 'env-store-probe'),
    });
    const probe = await probeSidecar('example-client', {
      resources: [envStore!],
      env: { MERIDIAN_SECRET_demo: 'shown', UNRELATED_PASSWORD: 'hidden' },
    });
    const get = async (name: string) => fetch(`${probe.url}/v1.0/secrets/secretstore/${name}`);
    expect(await (await get('demo')).json()).toEqual({ demo: 'shown' });
    // The store answers every name; outside the prefix the value is empty.
    for (const name of ['UNRELATED_PASSWORD', 'PATH', 'HOME'])
      expect(await (await get(name)).json(), name).toEqual({ [name]: '' });
    const bulk = JSON.stringify(await (await fetch(`${probe.url}/v1.0/secrets/secretstore/bulk`)).json());
    expect(bulk).toContain('shown');
    expect(bulk).not.toMatch(/hidden|\/usr\/bin/);
    expect(readFileSync(repoPath('components/secrets/env/secretstore.yaml'), 'utf8')).toContain('MERIDIAN_SECRET_');
  });
});
