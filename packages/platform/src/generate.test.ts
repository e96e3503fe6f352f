import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { callersOf, loadApps } from './apps.ts';
import { daprAclAllows, type AclOperation } from './dapr-acl.ts';
import { generatedFiles } from './generate.ts';
import { repoPath } from './paths.ts';

const apps = loadApps();
const files = generatedFiles(apps);

describe('files generated from apps/apps.json', () => {
  it('when compared with the repository, then every generated file is up to date (run `npm run gen`)', () => {
    for (const [path, content] of files) expect(readFileSync(repoPath(path), 'utf8'), path).toBe(content);
  });

  it('when listing configuration/apps, then there is exactly one Configuration per app', () => {
    const onDisk = readdirSync(repoPath('configuration/apps')).sort();
    expect(onDisk).toEqual(apps.map((a) => `${a.id}.yaml`).sort());
  });

  it('when reading dapr.yaml and tye.yaml, then they run the same apps on the same ports', () => {
    const dapr = parse(files.get('dapr.yaml')!);
    const tye = parse(files.get('tye.yaml')!);
    expect(dapr.apps.map((a: { appID: string; appPort: number }) => [a.appID, a.appPort])).toEqual(
      apps.map((a) => [a.id, a.port]),
    );
    expect(
      tye.services.map((s: { name: string; bindings: { port: number }[] }) => [s.name, s.bindings[0]!.port]),
    ).toEqual(apps.map((a) => [a.id, a.port]));
  });

  it("when an app lists operations with callers, then each caller is allowed exactly those (in Dapr's matching) and everyone else is denied", () => {
    for (const app of apps) {
      const config = parse(files.get(`configuration/apps/${app.id}.yaml`)!);
      expect(config.spec.accessControl.defaultAction).toBe('deny');
      const policies = config.spec.accessControl.policies as {
        appId: string;
        defaultAction: string;
        operations: AclOperation[];
      }[];
      expect(policies.map((p) => p.appId).sort()).toEqual([...callersOf(app).keys()].sort());
      for (const [caller, ops] of callersOf(app)) {
        const policy = policies.find((p) => p.appId === caller)!;
        expect(policy.defaultAction).toBe('deny');
        for (const op of ops)
          expect(
            daprAclAllows(policy.operations, op.verb, op.path.replace(/\{[a-z]+\}/g, 'x')),
            `${caller} → ${app.id} ${op.verb} ${op.path}`,
          ).toBe(true);
      }
    }
    const inference = parse(files.get('configuration/apps/inference.yaml')!);
    const policy = (id: string) =>
      inference.spec.accessControl.policies.find((p: { appId: string }) => p.appId === id).operations as AclOperation[];
    expect(daprAclAllows(policy('features'), 'POST', '/v2/models/m/infer')).toBe(true);
    for (const [verb, path] of [
      ['POST', '/v2/repository/models/m/load'],
      ['PUT', '/v2/models/m/policy'],
      ['POST', '/v2/repository/index'],
      ['GET', '/v2/models/m'],
    ]) {
      expect(daprAclAllows(policy('features'), verb!, path!), `features ${verb} ${path}`).toBe(false);
    }
    expect(daprAclAllows(policy('example-client'), 'PUT', '/v2/models/m/policy')).toBe(false);
    expect(parse(files.get('configuration/apps/gateway.yaml')!).spec.accessControl.policies).toEqual([]);
  });

  it('when an app lists the Dapr APIs it uses, then only those are allowed, on HTTP and gRPC both, and secrets are denied but the listed ones', () => {
    for (const app of apps) {
      const { spec } = parse(files.get(`configuration/apps/${app.id}.yaml`)!);
      const allowed = spec.api.allowed as { name: string; protocol: string }[];
      expect(new Set(allowed.map((a) => a.name))).toEqual(new Set(app.dapr.apis));
      for (const api of app.dapr.apis)
        expect(allowed.filter((a) => a.name === api).map((a) => a.protocol)).toEqual(
          expect.arrayContaining(['http', 'grpc']),
        );
      expect(spec.secrets.scopes).toEqual([
        {
          storeName: 'secretstore',
          defaultAccess: 'deny',
          ...(app.dapr.secrets.length ? { allowedSecrets: app.dapr.secrets } : {}),
        },
      ]);
    }
    expect(apps.filter((a) => a.dapr.apis.includes('secrets')).map((a) => a.id)).toEqual(['gateway']);
  });

  it('when a component is used by some apps, then its scopes list exactly them, and the secret store reaches only the gateway and apps whose components read secrets', () => {
    const scopes = (path: string) => parse(files.get(path)!).scopes as string[];
    expect(scopes('components/state/sqlite/statestore.yaml')).toEqual(
      apps.filter((a) => a.dapr.components.includes('statestore')).map((a) => a.id),
    );
    expect(scopes('components/artifacts/local-storage/artifacts.yaml')).toEqual(['registry', 'features']);
    expect(scopes('components/bindings/mqtt/sensor-readings.yaml')).toEqual(['ingestion']);
    // artifacts (s3, azure-blob) and statestore (cosmos) have choices that read their settings from the secret store.
    const readers = apps
      .filter((a) => a.dapr.components.some((c) => ['secretstore', 'artifacts', 'statestore'].includes(c)))
      .map((a) => a.id);
    expect(scopes('components/secrets/local-file/secretstore.yaml')).toEqual(readers);
    expect(scopes('components/pubsub/redis/pubsub.yaml')).not.toContain('gateway');
  });
});
