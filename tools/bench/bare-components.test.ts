import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bareResources, brokerEnv, resourcesOf } from './bare-components.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folder(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const component = (type: string, scopes?: string[]) =>
  `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  type: ${type}\n  version: v1\n${
    scopes ? `scopes:\n${scopes.map((s) => `  - ${s}`).join('\n')}\n` : ''
  }`;

describe('bareResources', () => {
  it('when given a platform sidecar folders, then only pub/sub and Resiliency are copied, with the bare app ids in scope', () => {
    const root = mkdtempSync(join(tmpdir(), 'bare-components-'));
    dirs.push(root);
    const pubsub = folder(root, '0-redis', { 'pubsub.yaml': component('pubsub.redis', ['features', 'ingestion']) });
    const state = folder(root, 'state', { 'state.yaml': component('state.redis', ['features']) });
    const resiliency = folder(root, 'resiliency', {
      'resiliency.yaml': 'apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: r\nspec: {}\n',
    });
    const copies = bareResources({
      folders: [pubsub, state, resiliency],
      appIds: ['bench-bare-pub', 'bench-bare-sub'],
      dir: join(root, 'out'),
    });
    expect(copies).toHaveLength(2);
    const copied = parse(readFileSync(join(copies[0]!, 'pubsub.yaml'), 'utf8')) as { scopes: string[] };
    expect(copied.scopes).toEqual(['features', 'ingestion', 'bench-bare-pub', 'bench-bare-sub']);
    expect(readdirSync(copies[1]!)).toEqual(['resiliency.yaml']);
    expect(parse(readFileSync(join(copies[1]!, 'resiliency.yaml'), 'utf8'))).not.toHaveProperty('scopes');
  });

  it('when no folder holds a pub/sub component, then it says so', () => {
    const root = mkdtempSync(join(tmpdir(), 'bare-components-'));
    dirs.push(root);
    const state = folder(root, 'state', { 'state.yaml': component('state.redis') });
    expect(() => bareResources({ folders: [state], appIds: ['a'], dir: join(root, 'out') })).toThrow(
      'no pub/sub component',
    );
  });
});

describe('resourcesOf and brokerEnv', () => {
  it('when read from a daprd command line and environment, then the resource folders and only the broker addresses come out', () => {
    expect(resourcesOf(['--app-id', 'x', '--resources-path', '/a', '--config', 'c', '--resources-path', '/b'])).toEqual(
      ['/a', '/b'],
    );
    expect(
      brokerEnv({ MERIDIAN_KAFKA_BROKERS: '127.0.0.1:9', DAPR_API_TOKEN: 'secret', APP_API_TOKEN: 's', PATH: '/bin' }),
    ).toEqual({ MERIDIAN_KAFKA_BROKERS: '127.0.0.1:9' });
  });
});
