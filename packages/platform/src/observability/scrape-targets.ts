import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../platform-handle.ts';
import type { ScrapeTarget } from './prometheus-config.ts';

/**
 * What Prometheus scrapes of a running platform: every instance of every app on its /metrics
 * (with its app token, which each app requires of every caller) and its sidecar's metrics port.
 * The tokens are written to `<dataDir>/identity/metrics/<instance>.token` (mode 0600), for
 * Prometheus's `credentials_file`: they never appear in its config or on its targets page.
 */
export function scrapeTargets(platform: Platform, o: { dataDir: string }): ScrapeTarget[] {
  const dir = join(o.dataDir, 'identity', 'metrics');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return Object.keys(platform.apps).flatMap((id) =>
    platform.instances(id).flatMap((a): ScrapeTarget[] => {
      const tokenFile = join(dir, `${a.instance}.token`);
      writeFileSync(tokenFile, a.appToken, { mode: 0o600 });
      // writeFileSync keeps the mode of a file that is there already (one from an earlier run).
      chmodSync(tokenFile, 0o600);
      const labels = { app: a.spec.id, instance: a.instance };
      return [
        { job: 'apps', ...labels, url: `${a.appUrl}/metrics`, bearerTokenFile: tokenFile },
        { job: 'daprd', ...labels, url: `http://127.0.0.1:${a.sidecarPorts.metrics}/metrics` },
      ];
    }),
  );
}
