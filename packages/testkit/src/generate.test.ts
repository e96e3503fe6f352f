import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadApps } from './apps.ts';
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
    expect(dapr.apps.map((a: { appID: string; appPort: number }) => [a.appID, a.appPort])).toEqual(apps.map((a) => [a.id, a.port]));
    expect(tye.services.map((s: { name: string; bindings: { port: number }[] }) => [s.name, s.bindings[0]!.port])).toEqual(apps.map((a) => [a.id, a.port]));
  });

  it('when an app lists callers, then its access-control list allows exactly those and denies the rest', () => {
    const inference = parse(files.get('configuration/apps/inference.yaml')!);
    expect(inference.spec.accessControl.defaultAction).toBe('deny');
    expect(inference.spec.accessControl.policies.map((p: { appId: string }) => p.appId)).toEqual(apps.find((a) => a.id === 'inference')!.callers);
    const gateway = parse(files.get('configuration/apps/gateway.yaml')!);
    expect(gateway.spec.accessControl.policies).toEqual([]);
  });
});
