import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import {
  allocatePorts,
  httpOk,
  repoPath,
  sidecarPorts,
  SIDECAR_PORT_COUNT,
  startSidecar,
  waitFor,
  type ManagedProcess,
  type SidecarPorts,
} from '@meridian/platform';

/**
 * A daprd as another team's application would run beside its own code; `resources`: its component
 * folders; `app`: the app behind it, if any (already listening: daprd asks it for its
 * subscriptions as it starts), and the token the sidecar sends it (APP_API_TOKEN).
 */
export async function clientSidecar(
  appId: string,
  dataDir: string,
  o: { resources?: string[]; app?: { port: number; token: string } } = {},
): Promise<{ url: string; ports: SidecarPorts; process: ManagedProcess }> {
  mkdirSync(`${dataDir}/logs`, { recursive: true });
  const ports = sidecarPorts(await allocatePorts(SIDECAR_PORT_COUNT));
  const process = startSidecar({
    appId,
    ...(o.app ? { appPort: o.app.port, env: { APP_API_TOKEN: o.app.token } } : {}),
    ports,
    cp: inject('controlPlane'),
    config: repoPath('configuration/client.yaml'),
    resources: o.resources ?? [],
    dataDir,
  });
  const url = `http://127.0.0.1:${ports.http}`;
  await waitFor({ what: `${appId} sidecar`, timeoutMs: 30_000, check: () => httpOk(`${url}/v1.0/healthz`) });
  return { url, ports, process };
}

/**
 * Writes a Redis pub/sub component named `pubsub` (Redis Streams on this machine's server) into
 * `dir`, with `metadata` added to its own; answers `dir`, for `clientSidecar`'s `resources`.
 */
export function redisPubsubComponent(dir: string, metadata: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  const items = Object.entries({ redisHost: 'localhost:6379', ...metadata }).flatMap(([name, value]) => [
    `    - name: ${name}`,
    `      value: ${JSON.stringify(value)}`,
  ]);
  writeFileSync(
    join(dir, 'pubsub.yaml'),
    [
      'apiVersion: dapr.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: pubsub',
      'spec:',
      '  type: pubsub.redis',
      '  version: v1',
      '  metadata:',
      ...items,
      '',
    ].join('\n'),
  );
  return dir;
}
