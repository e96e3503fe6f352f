import { mkdirSync } from 'node:fs';
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
